"""Builders shared by the capacity tests. Handed out as fixtures: with pytest's importlib
import mode a test module cannot import a helper module next to it."""

import os
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime

import asyncpg
import pytest
import pytest_asyncio

from capacity.bootstrap import MIGRATIONS
from capacity.domain import (
    CancelEvent,
    Command,
    Decision,
    DefineEvent,
    EventState,
    Layout,
    ReleaseSeat,
    RequestSeat,
    RoundLayout,
    SeatRequest,
    SessionLayout,
    decide,
    replay,
)
from tilmeld_runtime.db import create_pool, migrate

NOW = datetime(2023, 9, 1, 12, 0, tzinfo=UTC)
Rounds = Mapping[str, Mapping[str, int | None]]  # round id → session id → capacity


def make_layout(capacity: int | None = None, rounds: Rounds | None = None) -> Layout:
    return Layout(
        capacity=capacity,
        rounds=tuple(
            RoundLayout(round_id, tuple(SessionLayout(s, c) for s, c in sessions.items()))
            for round_id, sessions in (rounds or {}).items()
        ),
    )


class Desk:
    """One event's state, advanced by each command's decisions as the service does."""

    def __init__(self, layout: Layout | None = None, event_id: str = "konference") -> None:
        self.state = EventState(event_id)
        if layout is not None:
            self.define(layout)

    def send(self, command: Command) -> list[Decision]:
        decisions = decide(self.state, command, NOW)
        self.state = replay(self.state, decisions)
        return decisions

    def define(self, layout: Layout) -> list[Decision]:
        return self.send(DefineEvent(layout))

    def request(self, registration_id: str, choices: Mapping[str, list[str]] | None = None,
                ) -> list[Decision]:
        ranked = {round_id: tuple(s) for round_id, s in (choices or {}).items()}
        return self.send(RequestSeat(SeatRequest(registration_id, "org", ranked)))

    def release(self, registration_id: str, reason: str = "by_attendee") -> list[Decision]:
        return self.send(ReleaseSeat(registration_id, reason))

    def cancel(self) -> list[Decision]:
        return self.send(CancelEvent())

    def sessions_of(self, registration_id: str) -> dict[str, str | None]:
        return dict(self.state.registrations[registration_id].sessions)


@pytest.fixture(scope="session")
def layout() -> Callable[..., Layout]:
    return make_layout


@pytest.fixture(scope="session")
def desk() -> Callable[..., Desk]:
    """`desk(capacity, rounds)` → a Desk with that event defined; `desk()` → undefined event."""

    def new(capacity: int | None = None, rounds: Rounds | None = None, *,
            defined: bool = True, event_id: str = "konference") -> Desk:
        return Desk(make_layout(capacity, rounds) if defined else None, event_id)

    return new


DSN = os.environ.get(
    "TILMELD_CAPACITY_DB", "postgresql://capacity:capacity@127.0.0.1:55432/capacity"
)


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
