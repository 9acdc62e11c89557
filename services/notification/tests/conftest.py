"""Fixtures: sample events and facts, a PostgreSQL schema of its own per test (the mailer under
test must only see that test's jobs), a real SMTP server (aiosmtpd) whose answers a test sets."""

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka.structs import ConsumerRecord
from aiosmtpd.controller import Controller

from notification.adapters.job_signal import JobSignal
from notification.adapters.link_signer import LinkSigner
from notification.adapters.rendering import TemplateRenderer
from notification.adapters.smtp import SmtpSender
from notification.bootstrap import MIGRATIONS
from notification.config import Settings
from notification.domain.retry import RetryPolicy
from notification.service.catalog import catalog_routes
from notification.service.delivery import Delivery
from notification.service.mailer import BATCH_SIZE, Mailer
from notification.service.messages import message_routes
from notification.service.rate_limit import RateLimit
from notification.service.registrations import prepare_facts, registration_routes
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_contracts.catalog.messages_v1 import MESSAGE_REQUESTED
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.registration import v1 as registration
from tilmeld_contracts.registry import DATA_MODELS
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.testing import consumer_record, private_schema_pool

DSN = os.environ.get("TILMELD_NOTIFICATION_DB", Settings().notification_db)
LINK_SECRET = "test-link-secret"

FACT_TYPES = {
    "confirmed": registration.CONFIRMED,
    "waitlisted": registration.WAITLISTED,
    "offered": registration.OFFERED,
    "promoted": registration.PROMOTED,
    "session_changed": registration.SESSION_CHANGED,
    "cancelled": registration.CANCELLED,
    "rejected": registration.REJECTED,
}
FACT_EXTRAS: dict[str, dict[str, Any]] = {
    "confirmed": {
        "sessions": {"runde-1": "temamoede-1", "runde-2": None},
        "session_waitlists": {"runde-2": ["temamoede-3", "temamoede-4"]},
    },
    "promoted": {"sessions": {"runde-1": "temamoede-2", "runde-2": "temamoede-4"}},
    "waitlisted": {"position": 7},
    "offered": {"expires_at": "2023-09-20T10:00:00+00:00"},
    "session_changed": {"sessions": {"runde-1": "temamoede-1", "runde-2": "temamoede-3"}},
    "cancelled": {"reason": "by_organiser"},
    "rejected": {"reason": "registration_closed", "detail": "closes_at was 2023-09-26T23:59"},
}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def conference() -> Callable[..., EventDefinition]:
    def make(**changes: Any) -> EventDefinition:
        data: dict[str, Any] = {
            "id": unique("konference"),
            "kind": "conference",
            "title": "Konference om dagtilbud af høj kvalitet",
            "organiser": "Styrelsen for Undervisning og Kvalitet",
            "language": "da",
            "venue": {"name": "Odeon", "address": "Odeons Kvarter 1, 5000 Odense C"},
            "starts_at": "2023-10-03T09:00:00+02:00",
            "ends_at": "2023-10-03T15:30:00+02:00",
            "rounds": [
                {
                    "id": "runde-1",
                    "starts_at": "2023-10-03T11:15:00+02:00",
                    "ends_at": "2023-10-03T12:15:00+02:00",
                    "sessions": [
                        {
                            "id": "temamoede-1",
                            "title": "Tidligt samarbejde med forældre på deres arena",
                        },
                        {"id": "temamoede-2", "title": "Leg og læring"},
                    ],
                },
                {
                    "id": "runde-2",
                    "starts_at": "2023-10-03T13:00:00+02:00",
                    "ends_at": "2023-10-03T14:00:00+02:00",
                    "sessions": [
                        {"id": "temamoede-3", "title": "Sprogarbejde i vuggestuen"},
                        {"id": "temamoede-4", "title": "Inklusion i praksis"},
                    ],
                },
            ],
        }
        return EventDefinition.model_validate({**data, **changes})

    return make


@pytest.fixture
def network() -> Callable[..., EventDefinition]:
    def make(**changes: Any) -> EventDefinition:
        data: dict[str, Any] = {
            "id": unique("netvaerk"),
            "kind": "network",
            "title": "Netværk for dagtilbudsledere",
            "organiser": "KL",
            "language": "da",
            "starts_at": "2024-01-10T09:00:00+01:00",
            "ends_at": "2024-05-14T12:00:00+02:00",
            "meetings": [
                {
                    "id": "moede-1",
                    "starts_at": "2024-01-10T09:00:00+01:00",
                    "ends_at": "2024-01-10T15:00:00+01:00",
                    "mode": "physical",
                    "location": "KL-huset, Weidekampsgade 10, 2300 København S",
                },
                {
                    "id": "moede-2",
                    "title": "Opfølgning",
                    "starts_at": "2024-05-14T10:00:00+02:00",
                    "ends_at": "2024-05-14T12:00:00+02:00",
                    "mode": "online",
                    "online_url": "https://teams.microsoft.com/l/meetup-join/abc",
                },
            ],
        }
        return EventDefinition.model_validate({**data, **changes})

    return make


@pytest.fixture
def fact() -> Callable[..., Any]:
    """fact("confirmed", event_id, attendee={...}, **extra) → the contract's fact model."""

    def make(kind: str, event_id: str, **changes: Any) -> Any:
        data: dict[str, Any] = {
            "registration_id": str(uuid.uuid4()),
            "event_id": event_id,
            "request_source": "urn:kl:website",
            "request_id": unique("request"),
            "attendee": {
                "name": "Mette Hansen",
                "email": "mette@aarhus.dk",
                "organisation": "Aarhus Kommune",
                "municipality_code": "751",
            },
            **FACT_EXTRAS[kind],
            **changes,
        }
        return DATA_MODELS[FACT_TYPES[kind]].model_validate(data)

    return make


def cloud_record(
    topic: str,
    type_: str,
    data: Any,
    *,
    key: str,
    source: str = "urn:test",
    id: str | None = None,
    offset: int = 0,
) -> ConsumerRecord[bytes, bytes]:
    """A structured-mode CloudEvents Kafka record, as the pipeline receives it."""
    payload = data.model_dump(mode="json") if hasattr(data, "model_dump") else data
    value = orjson.dumps(
        {
            "specversion": "1.0",
            "id": id or str(uuid.uuid4()),
            "source": source,
            "type": type_,
            "time": "2023-09-01T10:00:00Z",
            "data": payload,
        }
    )
    return consumer_record(topic, key.encode(), value, offset=offset)


@pytest.fixture
def dsn() -> str:
    return DSN


@pytest.fixture
def record() -> Callable[..., ConsumerRecord[bytes, bytes]]:
    return cloud_record


@pytest.fixture
async def db() -> AsyncIterator[asyncpg.Pool]:
    async with private_schema_pool(DSN, MIGRATIONS) as pool:
        yield pool


class ScriptedRelay:
    """aiosmtpd handler that keeps what it accepts; tests script refusals and 4xx answers."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.data_attempts = 0
        self.rcpt_attempts: list[str] = []
        self.refuse: set[str] = set()
        self.data_answers: list[str] = []  # answered (in order) before accepting DATA
        self.data_delay = 0.0
        self.data_started = threading.Event()  # set in the server's thread

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpt_attempts.append(address)
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.data_attempts += 1
        self.data_started.set()
        if self.data_answers:
            return self.data_answers.pop(0)
        await asyncio.sleep(self.data_delay)
        self.received.append(
            message_from_bytes(envelope.original_content, policy=default)  # type: ignore[arg-type]
        )
        return "250 OK queued"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on: connecting is refused."""
    return free_port()


@pytest.fixture
def smtp_relay() -> Iterator[tuple[ScriptedRelay, int]]:
    handler, port = ScriptedRelay(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


class Clock:
    """Real time plus however far a test has jumped ahead (to make retries and reminders due)."""

    def __init__(self) -> None:
        self.ahead = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.ahead


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def make_mailer(db: asyncpg.Pool, dsn: str, clock: Clock) -> Callable[..., Mailer]:
    def make(
        port: int,
        *,
        send_attempts: int = 3,
        max_attempts: int = 5,
        poll_seconds: float = 0.2,
        batch_size: int = BATCH_SIZE,
    ) -> Mailer:
        delivery = Delivery(
            SmtpSender("127.0.0.1", port, timeout=5),
            TemplateRenderer(),
            mail_from="Tilmeld <tilmeld@tilmeld.local>",
            clock=clock,
            send_attempts=send_attempts,
            first_wait=0.01,
            longest_wait=0.05,
            signer=LinkSigner(LINK_SECRET, "https://tilmeld.example.dk"),
        )
        return Mailer(
            db,
            delivery,
            JobSignal(dsn),
            retry=RetryPolicy(60, 600, max_attempts),
            rate=RateLimit(1000),
            poll_seconds=poll_seconds,
            batch_size=batch_size,
            clock=clock,
        )

    return make


class Feed:
    """What the service consumes, through its real pipelines: catalog records, outcome facts,
    organiser messages. Facts come from the registration service's source, as in production."""

    def __init__(self, db: asyncpg.Pool, clock: Clock) -> None:
        self._db, self._clock = db, clock

    def _pipeline(self, topic: str, routes: dict[str, Any], **options: Any) -> Pipeline:
        return Pipeline(self._db, topic, routes, clock=self._clock, **options)

    async def publish(self, event: EventDefinition, *, changed: bool = False) -> None:
        kind = catalog.EVENT_CHANGED if changed else catalog.EVENT_PUBLISHED
        await self._pipeline(topics.CATALOG, catalog_routes()).process(
            cloud_record(topics.CATALOG, kind, event, key=event.id)
        )

    async def cancel_event(self, event_id: str, reason: str) -> None:
        await self._pipeline(topics.CATALOG, catalog_routes()).process(
            cloud_record(
                topics.CATALOG,
                catalog.EVENT_CANCELLED,
                catalog.EventCancelled(event_id=event_id, reason=reason),
                key=event_id,
            )
        )

    async def fact(self, kind: str, fact: Any) -> None:
        facts = self._pipeline(topics.REGISTRATIONS, registration_routes(), prepare=prepare_facts)
        await facts.process(
            cloud_record(
                topics.REGISTRATIONS,
                FACT_TYPES[kind],
                fact,
                key=fact.event_id,
                source="urn:tilmeld:registration",
            )
        )

    async def message(self, event_id: str, text: str, subject: str | None = None) -> None:
        data = {"event_id": event_id, "text": text, "subject": subject}
        await self._pipeline(topics.ORGANISER_MESSAGES, message_routes()).process(
            cloud_record(
                topics.ORGANISER_MESSAGES,
                MESSAGE_REQUESTED,
                data,
                key=event_id,
                source="urn:tilmeld:cli",
            )
        )


@pytest.fixture
def feed(db: asyncpg.Pool, clock: Clock) -> Feed:
    return Feed(db, clock)


async def eventually(check: Callable[[], Any], seconds: float = 5.0) -> None:
    """Wait for an async condition rather than sleeping a guessed time."""
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    return eventually
