"""Builders shared by the capacity tests. Handed out as fixtures: with pytest's importlib
import mode a test module cannot import a helper module next to it."""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

import asyncpg
import pytest
import pytest_asyncio

from capacity.adapters import store
from capacity.bootstrap import MIGRATIONS
from capacity.domain import (
    AnswerOffer,
    CancelEvent,
    Command,
    Decision,
    DefineEvent,
    EventState,
    ExpireOffer,
    Layout,
    ReleaseSeat,
    RequestSeat,
    RoundLayout,
    SeatRequest,
    SessionLayout,
    decide,
    replay,
)
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_runtime.db import create_pool, migrate
from tilmeld_runtime.testing import private_schema_pool
from tilmeld_runtime.writes import combined

NOW = datetime(2023, 9, 1, 12, 0, tzinfo=UTC)
Rounds = Mapping[str, Mapping[str, int | None]]  # round id → session id → capacity


def make_layout(
    capacity: int | None = None,
    rounds: Rounds | None = None,
    *,
    promotion: Literal["auto", "offer"] = "auto",
    offer_hours: int = 48,
) -> Layout:
    return Layout(
        capacity=capacity,
        rounds=tuple(
            RoundLayout(round_id, tuple(SessionLayout(s, c) for s, c in sessions.items()))
            for round_id, sessions in (rounds or {}).items()
        ),
        promotion=promotion,
        offer_hours=offer_hours,
    )


class Desk:
    """One event's state, advanced by each command's decisions as the service does, on a
    clock the test moves (`advance`)."""

    def __init__(self, layout: Layout | None = None, event_id: str = "konference") -> None:
        self.state = EventState(event_id)
        self.now = NOW
        if layout is not None:
            self.define(layout)

    def send(self, command: Command) -> list[Decision]:
        decisions = decide(self.state, command, self.now)
        self.state = replay(self.state, decisions)
        return decisions

    def advance(self, **elapsed: float) -> None:
        self.now += timedelta(**elapsed)

    def define(self, layout: Layout) -> list[Decision]:
        return self.send(DefineEvent(layout))

    def request(
        self,
        registration_id: str,
        choices: Mapping[str, list[str]] | None = None,
    ) -> list[Decision]:
        ranked = {round_id: tuple(s) for round_id, s in (choices or {}).items()}
        return self.send(RequestSeat(SeatRequest(registration_id, "org", ranked)))

    def release(self, registration_id: str, reason: str = "by_attendee") -> list[Decision]:
        return self.send(ReleaseSeat(registration_id, reason))

    def cancel(self) -> list[Decision]:
        return self.send(CancelEvent())

    def answer(self, registration_id: str, accepted: bool = True) -> list[Decision]:
        return self.send(AnswerOffer(registration_id, accepted))

    def expire(self, registration_id: str, expires_at: datetime | None = None) -> list[Decision]:
        """The timer of `registration_id`'s open offer fires (or a stale one, `expires_at`)."""
        if expires_at is None:
            expires_at = self.state.registrations[registration_id].offer_expires_at
            assert expires_at is not None, f"{registration_id} has no open offer"
        return self.send(ExpireOffer(registration_id, expires_at))

    def sessions_of(self, registration_id: str) -> dict[str, str | None]:
        return dict(self.state.registrations[registration_id].sessions)


@pytest.fixture(scope="session")
def layout() -> Callable[..., Layout]:
    return make_layout


@pytest.fixture(scope="session")
def desk() -> Callable[..., Desk]:
    """`desk(capacity, rounds)` → a Desk with that event defined; `desk()` → undefined event;
    `desk(1, promotion="offer", offer_hours=2)` → freed seats are offered."""

    def new(
        capacity: int | None = None,
        rounds: Rounds | None = None,
        *,
        defined: bool = True,
        event_id: str = "konference",
        promotion: Literal["auto", "offer"] = "auto",
        offer_hours: int = 48,
    ) -> Desk:
        layout = make_layout(capacity, rounds, promotion=promotion, offer_hours=offer_hours)
        return Desk(layout if defined else None, event_id)

    return new


@pytest.fixture(scope="session")
def event_definition() -> Callable[..., EventDefinition]:
    """`event_definition(event_id, capacity, **changes)`: a conference with one round of two
    theme meetings (one seat in the first, the second unlimited), as the catalog publishes it."""
    return _definition


def _definition(event_id: str, capacity: int, **changes) -> EventDefinition:
    return EventDefinition.model_validate(
        changes
        | {
            "id": event_id,
            "kind": "conference",
            "title": "Dagtilbud",
            "organiser": "STUK",
            "starts_at": "2023-10-03T09:00:00+02:00",
            "ends_at": "2023-10-03T15:30:00+02:00",
            "capacity": capacity,
            "rounds": [
                {
                    "id": "runde-1",
                    "starts_at": "2023-10-03T11:15:00+02:00",
                    "ends_at": "2023-10-03T12:15:00+02:00",
                    "sessions": [
                        {"id": "temamoede-1", "title": "Et", "capacity": 1},
                        {"id": "temamoede-2", "title": "To"},
                    ],
                }
            ],
        }
    )


StoreStep = Callable[..., Awaitable[list[Decision]]]
STORE_NOW = datetime(2023, 9, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def through_store() -> StoreStep:
    """`await through_store(conn, event_id, command, named=None, now=…, one_statement=False)`:
    load the event, decide, save, and return the decisions. `one_statement`: as a batch's
    optimistic attempt does, read a known event without the lock and save every change as a
    part of one statement (one snapshot) that checks the version token read."""

    async def step(
        conn: asyncpg.Connection,
        event_id: str,
        command: Command,
        named: str | None = None,
        now: datetime = STORE_NOW,
        one_statement: bool = False,
    ) -> list[Decision]:
        read = await store.read_version(conn, event_id) if one_statement else None
        if read is None:
            before = await store.load(conn, event_id, named)
        else:
            before = await store.read_state(conn, event_id, named)
        decisions = decide(before, command, now)
        after = replay(before, decisions)
        if not one_statement:
            await store.save(conn, before, after)
        elif changes := store.changes(before, after, version=uuid.uuid4(), read=read):
            statement = combined(changes)
            await conn.execute(statement.sql, *statement.args)
        return decisions

    return step


DSN = os.environ.get(
    "TILMELD_CAPACITY_DB", "postgresql://capacity:capacity@127.0.0.1:55432/capacity"
)


@pytest.fixture(scope="session")
def dsn() -> str:
    return DSN


@pytest_asyncio.fixture(scope="session")
async def pool() -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(DSN, min_size=1, max_size=4)
    await migrate(pool, MIGRATIONS)
    yield pool
    await pool.close()


@pytest_asyncio.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction that is rolled back after the test."""
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        yield conn
        await tx.rollback()


@pytest.fixture
def event_id() -> str:
    return f"test-{uuid.uuid4()}"


@pytest_asyncio.fixture
async def private_pool() -> AsyncIterator[asyncpg.Pool]:
    """A pool on a PostgreSQL schema of this test's own, for tests that commit: a capacity
    service running on the shared schema (e.g. in an e2e run) must not see their rows, nor
    they its."""
    async with private_schema_pool(DSN, MIGRATIONS) as pool:
        yield pool
