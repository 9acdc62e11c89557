"""The registrations table on the real PostgreSQL (a schema of this module's own): a decision
that puts a registration on the waiting list updates it in place, and the derived columns
`active` and `seated` agree with the statuses, so duplicate and quota checks and the seat counts
see what they saw before."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

import registration.bootstrap
from registration.adapters import events_store
from registration.adapters import registrations_bulk as bulk
from registration.config import Settings
from registration.domain import statuses
from registration.service import batch_state
from registration.service.event_cache import known_event
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.signups.v1 import Attendee, SignupRequested
from tilmeld_runtime.testing import analysed_columns, private_schema_pool
from tilmeld_runtime.tx import Tx

MIGRATIONS = Path(registration.bootstrap.__file__).parent / "migrations"
DSN = Settings().registration_db  # TILMELD_REGISTRATION_DB or the local default
EVERY_STATUS = [
    statuses.PENDING,
    statuses.CONFIRMED,
    statuses.WAITLISTED,
    statuses.OFFERED,
    statuses.CANCELLED,
    statuses.REJECTED,
]


@pytest.fixture(scope="module")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with private_schema_pool(DSN, MIGRATIONS, prefix="test_registrations") as pool:
        yield pool


def new_registration(event_id: str, n: int, status: str = statuses.PENDING) -> bulk.NewRegistration:
    attendee = Attendee(
        name=f"Deltager {n}",
        email=f"deltager{n}@faxe.dk",
        organisation="Faxe Kommune",
        municipality_code="320",
    )
    return bulk.NewRegistration(
        id=f"{event_id}-{n}",
        event_id=event_id,
        attendee=attendee,
        organisation_key="kommune:320",
        choices={"runde-1": ["temamoede-1"]},
        request_source="urn:test",
        request_id=f"request-{n}",
        status=status,
    )


def _signup(event_id: str) -> SignupRequested:
    attendee = new_registration(event_id, 1).attendee
    return SignupRequested(event_id=event_id, attendee=attendee, choices={})


def _signup_event() -> CloudEvent:
    return CloudEvent.model_validate(
        {
            "specversion": "1.0",
            "id": uuid.uuid4().hex,
            "source": "urn:test",
            "type": "t",
            "time": "2026-03-01T12:00:00Z",
        }
    )


async def test_waitlisting_updates_a_registration_in_place(pool: asyncpg.Pool) -> None:
    event_id = f"hot-{uuid.uuid4().hex[:8]}"
    rows = [new_registration(event_id, n) for n in range(200)]
    async with pool.acquire() as conn:
        async with conn.transaction():
            await bulk.insert_new(conn, rows)
        async with conn.transaction():
            pending = await bulk.by_ids(conn, [r.id for r in rows])
            decided = [
                replace(r, status=statuses.CONFIRMED if i < 50 else statuses.WAITLISTED, position=i)
                for i, r in enumerate(pending.values())
            ]
            await bulk.save_decided(conn, decided)
            # This transaction's own counts: a confirmation changes `seated` and so is indexed
            # anew; every waitlisting kept its row's index entries.
            updated, in_place = await conn.fetchrow(
                "SELECT pg_stat_get_xact_tuples_updated('registrations'::regclass),"
                " pg_stat_get_xact_tuples_hot_updated('registrations'::regclass)"
            )
        assert (updated, in_place) == (200, 150)
        by_status = dict(
            await conn.fetch(
                "SELECT status, count(*) FROM registrations WHERE event_id = $1 GROUP BY 1",
                event_id,
            )
        )
    assert by_status == {statuses.CONFIRMED: 50, statuses.WAITLISTED: 150}


async def test_active_and_seated_are_derived_from_the_status(pool: asyncpg.Pool) -> None:
    event_id = f"active-{uuid.uuid4().hex[:8]}"
    rows = [new_registration(event_id, n, status) for n, status in enumerate(EVERY_STATUS)]
    async with pool.acquire() as conn:
        await bulk.insert_new(conn, rows)
        active = dict(
            await conn.fetch(
                "SELECT status, active FROM registrations WHERE event_id = $1", event_id
            )
        )
    assert active == {status: status in statuses.ACTIVE for status in EVERY_STATUS}


async def test_duplicate_and_quota_checks_count_only_active_registrations(
    pool: asyncpg.Pool,
) -> None:
    event_id = f"holdings-{uuid.uuid4().hex[:8]}"
    rows = [new_registration(event_id, n, status) for n, status in enumerate(EVERY_STATUS)]
    async with pool.acquire() as conn:
        await bulk.insert_new(conn, rows)
        emails = {(event_id, r.attendee.email.lower()) for r in rows}
        found = await bulk.active_holdings(conn, emails, {(event_id, "kommune:320")})
    assert found.by_email == {
        (event_id, r.attendee.email.lower()): r.id for r in rows if r.status in statuses.ACTIVE
    }
    assert found.per_organisation == {(event_id, "kommune:320"): len(statuses.ACTIVE)}


def _definition(event_id: str, title: str) -> EventDefinition:
    return EventDefinition.model_validate(
        {
            "id": event_id,
            "kind": "conference",
            "title": title,
            "organiser": "KL",
            "starts_at": "2026-05-29T09:00:00+02:00",
            "ends_at": "2026-05-29T16:00:00+02:00",
        }
    )


async def _prepared(conn: asyncpg.Connection, event_id: str) -> Tx:
    """A sign-up batch's transaction after its first read (the pipeline's `prepare`)."""
    tx = Tx(conn, datetime.now(UTC))
    await batch_state.prepare_signups(tx, [(_signup_event(), _signup(event_id))])
    return tx


async def test_a_batch_uses_its_events_as_parsed_before_only_in_their_current_version(
    pool: asyncpg.Pool,
) -> None:
    """The batch's first read returns each event's row version: an event this process has
    parsed in that version is not read again, and a changed or cancelled one is."""
    event_id = f"cached-{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await events_store.save(conn, _definition(event_id, "Første udgave"))

        first = await _prepared(conn, event_id)
        assert ("event", event_id) not in first.cache  # never parsed here: read on demand
        event = await known_event(first, event_id)
        assert event is not None and event.definition.title == "Første udgave"

        again = await _prepared(conn, event_id)
        assert again.cache[("event", event_id)] is event  # no read, no parsing

        await events_store.save(conn, _definition(event_id, "Anden udgave"))
        changed = await _prepared(conn, event_id)
        assert ("event", event_id) not in changed.cache
        event = await known_event(changed, event_id)
        assert event is not None and event.definition.title == "Anden udgave"

        await events_store.mark_cancelled(conn, event_id)
        cancelled = await _prepared(conn, event_id)
        assert ("event", event_id) not in cancelled.cache
        event = await known_event(cancelled, event_id)
        assert event is not None and event.cancelled


async def test_analyze_skips_the_payload_columns_and_keeps_the_looked_up_ones(
    pool: asyncpg.Pool,
) -> None:
    event_id = f"stats-{uuid.uuid4().hex[:8]}"
    async with pool.acquire() as conn:
        await bulk.insert_new(conn, [new_registration(event_id, n) for n in range(50)])
        analysed = await analysed_columns(conn, "registrations")
    assert {"id", "event_id", "email", "organisation_key", "status", "active", "seated"} <= analysed
    payloads = {"attendee", "choices", "sessions", "session_waitlists", "request_source"}
    assert not analysed & (payloads | {"request_id", "reason", "detail"})
