"""Tilmeld under the rush: a fresh conference on the catalog, the sign-ups on tilmeld.signups,
their outcome facts read from tilmeld.registrations (4 Kafka hops: signups → registration →
capacity-commands → capacity → capacity-decisions → registration → registrations)."""

import asyncio
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from bench.checks import Outcome, violations
from bench.collector import Watch
from bench.config import Config
from bench.kafka_io import HEADERS, cloudevent, producer, signup_records
from bench.phase import Measured, measure
from bench.progress import Progress
from bench.workload import Signup, conference
from tilmeld_contracts import topics
from tilmeld_contracts.catalog.v1 import EVENT_PUBLISHED

FACT = "dk.tilmeld.registration."


@dataclass(frozen=True, slots=True)
class TilmeldRun:
    event_id: str
    people: Sequence[Signup]
    measured: Measured
    outcomes: list[Outcome]
    violations: list[str]

    def summary(self, by_second: bool = False) -> dict[str, Any]:
        kinds = Counter(o.kind for o in self.outcomes)
        reasons = Counter(o.reason for o in self.outcomes if o.kind == "rejected")
        return self.measured.summary(by_second) | {
            "event_id": self.event_id,
            "outcomes": dict(kinds) | {"rejected_by_reason": dict(reasons)},
            "violations": len(self.violations),
            "violation_examples": self.violations[:10],
        }

    def confirmed_addresses(self) -> set[str]:
        confirmed = {o.request_id for o in self.outcomes if o.kind == "confirmed"}
        return {p.attendee["email"].lower() for p in self.people if p.request_id in confirmed}


async def run_tilmeld(
    config: Config,
    label: str,
    event_id: str,
    people: Sequence[Signup],
    progress: Progress,
    rate: float | None = None,
    pids: dict[str, int] | None = None,
    kafka_pid: int | None = None,
) -> TilmeldRun:
    await publish_conference(config, event_id)
    await wait_until_known(config.registration_url, event_id)
    watch = Watch(
        config.bootstrap, topics.REGISTRATIONS, event_id, ("data", "request_id"), FACT, len(people)
    )
    records = signup_records(event_id, people)
    measured = await measure(
        label,
        topics.SIGNUPS,
        records,
        watch,
        progress,
        rate=rate,
        stall_timeout=config.stall_timeout,
        pids=pids,
        kafka_pid=kafka_pid,
    )
    outcomes = [parse_outcome(value) for _, value in measured.arrivals]
    found = [o for o in outcomes if o is not None]
    return TilmeldRun(event_id, people, measured, found, violations(people, found, config.shape))


def parse_outcome(value: bytes) -> Outcome | None:
    event = orjson.loads(value)
    kind = str(event.get("type", ""))
    if not kind.startswith(FACT):
        return None  # e.g. organisation.enrolled: not an answer to a request
    data = event.get("data") or {}
    return Outcome(
        request_id=str(data.get("request_id")),
        kind=kind.removeprefix(FACT).removesuffix(".v1"),
        position=data.get("position"),
        sessions=data.get("sessions") or {},
        reason=data.get("reason"),
    )


async def publish_conference(config: Config, event_id: str) -> None:
    definition = conference(event_id, config.shape, datetime.now(UTC))
    client = producer(config.bootstrap)
    await client.start()
    try:
        value = cloudevent(
            EVENT_PUBLISHED,
            definition,
            id_=f"{event_id}-published",
            source="urn:tilmeld:bench",
            subject=event_id,
        )
        await client.send_and_wait(topics.CATALOG, value, key=event_id.encode(), headers=HEADERS)
    finally:
        await client.stop()


async def wait_until_known(registration_url: str, event_id: str, timeout: float = 60.0) -> None:
    """The registration service answers availability once it has the definition."""
    url = f"{registration_url}/events/{event_id}/availability"
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(answers, url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"registration did not learn {event_id} in {timeout}s ({url})")
        await asyncio.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
