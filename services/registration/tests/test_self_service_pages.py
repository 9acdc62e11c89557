"""The self-service pages over HTTP on the real PostgreSQL: each test run gets a schema of its
own (migrated like the service's database), so no running relay publishes what tests queue."""

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI

import registration.bootstrap
from registration.adapters import events_store
from registration.adapters import registrations_store as store
from registration.config import Settings
from registration.domain import statuses
from registration.entrypoints.pages import self_service_pages
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.signups.v1 import Attendee
from tilmeld_runtime import links
from tilmeld_runtime.testing import private_schema_pool, queued_records

SECRET = "test-link-secret"
MIGRATIONS = Path(registration.bootstrap.__file__).parent / "migrations"
DSN = Settings().registration_db  # TILMELD_REGISTRATION_DB or the local default


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with private_schema_pool(DSN, MIGRATIONS, prefix="test_pages") as pool:
        yield pool


@pytest.fixture
async def client(pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(self_service_pages(SECRET))
    app.state.pool = pool
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class Seeded:
    event_id: str
    registration_id: str

    def link(self, action: links.Action, expires_in: timedelta = timedelta(days=30)) -> str:
        claims = links.LinkClaims(
            action, self.registration_id, self.event_id, datetime.now(UTC) + expires_in
        )
        return links.url("", links.sign(SECRET, claims))


@pytest.fixture
def seed(pool: asyncpg.Pool) -> Callable[..., Any]:
    """seed(status=..., language=..., **columns) → a stored event with one registration."""

    async def make(
        status: str = statuses.CONFIRMED, language: str | None = None, **columns: Any
    ) -> Seeded:
        event_id = f"side-{uuid.uuid4().hex[:10]}"
        definition = EventDefinition.model_validate(
            {
                "id": event_id,
                "kind": "conference",
                "title": f"Konference {event_id}",
                "organiser": "KL",
                "starts_at": "2030-10-03T09:00:00+02:00",
                "ends_at": "2030-10-03T15:30:00+02:00",
                "rounds": [
                    {
                        "id": "runde-1",
                        "starts_at": "2030-10-03T11:15:00+02:00",
                        "ends_at": "2030-10-03T12:15:00+02:00",
                        "sessions": [{"id": "temamoede-1", "title": "Leg & læring <i>"}],
                    }
                ],
            }
        )
        attendee = Attendee(
            name="Mette Hansen",
            email=f"{event_id}@aarhus.dk",
            organisation="Aarhus Kommune",
            language=language,
        )
        registration_id = str(uuid.uuid4())
        async with pool.acquire() as conn:
            await events_store.save(conn, definition)
            await store.insert(
                conn,
                id=registration_id,
                event_id=event_id,
                attendee=attendee,
                organisation_key="kommune:751",
                choices={},
                status=status,
                request_source="urn:test",
                request_id=registration_id,
            )
            if columns:
                await store.update(conn, registration_id, **columns)
        return Seeded(event_id, registration_id)

    return make


async def queued(pool: asyncpg.Pool, event_id: str) -> list[tuple[str, dict[str, Any]]]:
    records = await queued_records(pool, event_id.encode())
    return [(r.topic, orjson.loads(r.value or b"")) for r in records]


def assert_danish_error(response: httpx.Response, status: int, heading: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="da">' in response.text
    assert heading in response.text
    assert "Traceback" not in response.text


async def test_a_view_link_shows_status_and_sessions_without_a_form(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    reg = await seed(sessions={"runde-1": "temamoede-1"})
    response = await client.get(reg.link("view"))
    assert response.status_code == 200
    assert f"Konference {reg.event_id}" in response.text
    assert "torsdag den 3. oktober 2030 kl. 09.00–15.30" in response.text
    assert ">bekræftet<" in response.text
    assert "Leg &amp; læring &lt;i&gt;" in response.text  # escaped, never markup
    assert "<form" not in response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_confirming_a_cancel_queues_one_cancellation_on_signups(
    client: httpx.AsyncClient, seed: Callable[..., Any], pool: asyncpg.Pool
) -> None:
    reg = await seed()
    link = reg.link("cancel")
    form = await client.get(link)
    assert 'method="post"' in form.text and "Ja, afmeld mig" in form.text
    first = await client.post(link)
    assert first.status_code == 200
    assert "Din afmelding er modtaget" in first.text
    again = await client.post(link)  # a double click or a reload
    assert again.status_code == 200 and "Din afmelding er modtaget" in again.text

    [(topic, event)] = await queued(pool, reg.event_id)
    assert topic == "tilmeld.signups"
    assert event["type"] == "dk.tilmeld.cancellation.requested.v1"
    assert event["source"] == "urn:tilmeld:selvbetjening"
    assert event["data"] == {"event_id": reg.event_id, "registration_id": reg.registration_id}
    assert event["subject"] == reg.registration_id
    # The receipt links to a view of the same registration, not to another cancel.
    view_path = first.text.split('href="')[1].split('"')[0]
    view = await client.get(view_path)
    assert view.status_code == 200 and "<form" not in view.text


async def test_a_view_link_cannot_cancel(
    client: httpx.AsyncClient, seed: Callable[..., Any], pool: asyncpg.Pool
) -> None:
    reg = await seed()
    response = await client.post(reg.link("view"))
    assert_danish_error(response, 403, "Linket kan ikke ændre din tilmelding")
    assert await queued(pool, reg.event_id) == []


async def test_an_ended_registration_shows_why_and_queues_nothing(
    client: httpx.AsyncClient, seed: Callable[..., Any], pool: asyncpg.Pool
) -> None:
    reg = await seed(status=statuses.CANCELLED, reason="by_attendee")
    page = await client.get(reg.link("cancel"))
    assert page.status_code == 200 and "<form" not in page.text
    assert ">afmeldt<" in page.text and "Du har selv afmeldt dig." in page.text
    response = await client.post(reg.link("cancel"))
    assert response.status_code == 409
    assert "ikke noget at afmelde" in response.text
    assert await queued(pool, reg.event_id) == []


async def test_an_open_offer_is_accepted_or_declined(
    client: httpx.AsyncClient, seed: Callable[..., Any], pool: asyncpg.Pool
) -> None:
    deadline = datetime(2030, 9, 20, 10, tzinfo=UTC)
    reg = await seed(status=statuses.OFFERED, offer_expires_at=deadline)
    page = await client.get(reg.link("accept"))
    assert "tilbud om plads til fredag den 20. september 2030 kl. 12.00" in page.text
    assert "Ja tak, jeg tager pladsen" in page.text
    declined = await client.post(reg.link("decline"))
    assert "Dit nej tak er modtaget" in declined.text
    [(_, event)] = await queued(pool, reg.event_id)
    assert event["type"] == "dk.tilmeld.offer.declined.v1"

    closed = await seed(status=statuses.OFFERED, offer_expires_at=datetime.now(UTC))
    response = await client.post(closed.link("accept"))
    assert response.status_code == 409 and "ikke længere et åbent tilbud" in response.text
    assert await queued(pool, closed.event_id) == []


async def test_an_english_speaker_reads_english(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    reg = await seed(status=statuses.WAITLISTED, language="en", position=2)
    response = await client.get(reg.link("cancel"))
    assert '<html lang="en">' in response.text
    assert "on the waiting list (no. 2)" in response.text
    assert "Yes, cancel my registration" in response.text


async def test_bad_links_get_a_danish_error_page(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    reg = await seed()
    link = reg.link("cancel")
    token = link.rsplit("/", 1)[1]
    tampered = link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB")
    assert_danish_error(await client.get(tampered), 400, "Linket er ugyldigt")
    assert_danish_error(await client.post(tampered), 400, "Linket er ugyldigt")
    other_secret = links.sign("another-secret", links.verify(SECRET, token, datetime.now(UTC)))
    assert_danish_error(await client.get(links.url("", other_secret)), 400, "Linket er ugyldigt")
    assert_danish_error(await client.get("/selvbetjening/not/even/a.token"), 400, "ugyldigt")
    expired = reg.link("cancel", expires_in=-timedelta(minutes=1))
    assert_danish_error(await client.get(expired), 410, "Linket er udløbet")
    assert_danish_error(await client.post(expired), 410, "Linket er udløbet")


async def test_a_link_to_no_stored_registration_is_not_found(
    client: httpx.AsyncClient, seed: Callable[..., Any]
) -> None:
    reg = await seed()
    unknown = Seeded(reg.event_id, str(uuid.uuid4()))
    assert_danish_error(await client.get(unknown.link("view")), 404, "Tilmeldingen findes ikke")
    wrong_event = Seeded("another-event", reg.registration_id)
    assert_danish_error(await client.get(wrong_event.link("view")), 404, "findes ikke")


async def test_a_database_outage_is_a_danish_page_not_a_trace(seed: Callable[..., Any]) -> None:
    reg = await seed()
    closed = await asyncpg.create_pool(DSN, min_size=1, max_size=1)
    assert closed is not None
    await closed.close()
    app = FastAPI()
    app.include_router(self_service_pages(SECRET))
    app.state.pool = closed
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get(reg.link("view"))
    assert_danish_error(response, 503, "Siden kan ikke vises lige nu")
