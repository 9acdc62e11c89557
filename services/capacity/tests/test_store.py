"""The PostgreSQL store against the real database: what is saved loads back as the same state,
and the event row serialises commands for one event. Each test works in a transaction that is
rolled back, on an event id of its own."""

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from capacity.adapters import store
from capacity.domain import (
    ACTIVE,
    CancelEvent,
    DefineEvent,
    EventState,
    ReleaseSeat,
    RequestSeat,
    SeatRequest,
    Status,
    decide,
    replay,
)
from tilmeld_runtime.testing import analysed_columns

ROUNDS = {"r1": {"s1": 1, "s2": 1, "s3": None}, "r2": {"t1": 1}}
NOW = datetime(2023, 9, 1, tzinfo=UTC)


def active(state: EventState) -> EventState:
    kept = {k: r for k, r in state.registrations.items() if r.status in ACTIVE}
    return replace(state, registrations=kept)


def request(rid, **choices):
    return RequestSeat(SeatRequest(rid, f"org-{rid}", {r: tuple(s) for r, s in choices.items()}))


def scenario(layout):
    """A conference's life: grants, a waitlist, a refusal, a release with a cascade and a
    promotion, a capacity raise, a waiter leaving."""
    return [
        (DefineEvent(layout(capacity=3, rounds=ROUNDS)), None),
        (request("a", r1=["s1"], r2=["t1"]), "a"),
        (request("b", r1=["s1", "s2"], r2=["t1"]), "b"),
        (request("c", r1=["s1", "s2", "s3"]), "c"),
        (request("d", r1=["s2"]), "d"),
        (request("e"), "e"),
        (request("bad", r1=["t1"]), "bad"),
        (request("a", r1=["s1"]), "a"),  # replayed: no answer
        (ReleaseSeat("a", "by_attendee"), "a"),  # b → s1, c → s2, d promoted
        (DefineEvent(layout(capacity=4, rounds={**ROUNDS, "r2": {"t1": 2}})), None),
        (ReleaseSeat("e", "by_attendee"), "e"),
    ]


@pytest.mark.parametrize("one_statement", [False, True])
async def test_store_decides_exactly_as_memory(
    conn, event_id, desk, layout, one_statement, through_store
):
    memory = desk(defined=False, event_id=event_id)
    for command, named in scenario(layout):
        decided = await through_store(conn, event_id, command, named, one_statement=one_statement)
        assert decided == memory.send(command)
        assert await store.load(conn, event_id) == active(memory.state)
    assert (await store.load(conn, event_id)).seats_taken() == 3


async def test_closed_registrations_load_only_when_named(conn, event_id, layout, through_store):
    for command, named in scenario(layout):
        await through_store(conn, event_id, command, named)
    assert "a" not in (await store.load(conn, event_id)).registrations
    assert (await store.load(conn, event_id, "a")).registrations["a"].status is Status.RELEASED
    assert (await store.load(conn, event_id, "bad")).registrations["bad"].status is Status.REFUSED


async def test_unknown_event_remembers_its_refusals(conn, event_id, through_store):
    empty = await store.load(conn, event_id)
    assert empty == EventState(event_id)
    [refusal] = await through_store(conn, event_id, request("x"), "x")
    assert refusal.reason == "unknown_event"
    assert await through_store(conn, event_id, request("x"), "x") == []


async def test_cancellation_is_stored(conn, event_id, layout, through_store):
    await through_store(conn, event_id, DefineEvent(layout(capacity=1)))
    await through_store(conn, event_id, request("a"), "a")
    await through_store(conn, event_id, CancelEvent())
    state = await store.load(conn, event_id)
    assert state.cancelled and dict(state.registrations) == {}


async def _until_blocked(pool, pid: int, timeout: float = 10.0) -> None:
    """Until PostgreSQL reports backend `pid` waiting for a lock it has not been granted."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await pool.fetchval(
        "SELECT count(*) FROM pg_locks WHERE pid = $1 AND NOT granted", pid
    ):
        assert asyncio.get_running_loop().time() < deadline, "the second load never blocked"
        await asyncio.sleep(0.01)


async def test_commands_for_one_event_take_turns(pool, event_id, layout, through_store):
    async with pool.acquire() as first, pool.acquire() as second:
        tx1 = first.transaction()
        await tx1.start()
        await through_store(first, event_id, DefineEvent(layout(capacity=1)))
        tx2 = second.transaction()
        await tx2.start()
        waiting = asyncio.create_task(store.load(second, event_id))
        await _until_blocked(pool, second.get_server_pid())
        assert not waiting.done()  # the event row is locked by the first transaction
        await tx1.rollback()
        assert (await waiting).layout is None
        await tx2.rollback()


class CountingConnection:
    """The connection as the store sees it, keeping the statements it runs."""

    def __init__(self, conn):
        self._conn, self.statements = conn, []

    def __getattr__(self, name):
        method = getattr(self._conn, name)

        async def counted(query, *args, **kwargs):
            self.statements.append(" ".join(query.split()))
            return await method(query, *args, **kwargs)

        return counted


async def test_a_known_event_is_locked_with_one_statement(conn, event_id, layout, through_store):
    counting = CountingConnection(conn)
    assert await store.lock(counting, event_id) is None  # created: three statements
    assert len(counting.statements) == 3
    await through_store(conn, event_id, DefineEvent(layout(capacity=3)))
    counting.statements.clear()

    await store.lock(counting, event_id)

    assert counting.statements == [
        "SELECT version FROM capacity_event WHERE event_id = $1 FOR UPDATE"
    ]


async def test_the_event_row_is_written_once_with_its_new_version(
    conn, event_id, layout, through_store
):
    await through_store(conn, event_id, DefineEvent(layout(capacity=3, rounds=ROUNDS)))
    before = await store.load(conn, event_id)
    after = replay(before, decide(before, request("a", r1=["s1"]), NOW))
    assert after.arrivals != before.arrivals and after.layout == before.layout
    counting, version = CountingConnection(conn), uuid.uuid4()

    await store.save(counting, before, after, {"a"}, version)

    writes = [s for s in counting.statements if s.startswith("UPDATE capacity_event")]
    assert writes == [
        "UPDATE capacity_event SET arrivals = $2, updated_at = now(), version = $3"
        " WHERE event_id = $1"
    ]
    assert await store.lock(conn, event_id) == version
    assert await store.load(conn, event_id) == after


async def test_only_a_new_version_touches_just_the_version(conn, event_id, layout, through_store):
    await through_store(conn, event_id, DefineEvent(layout(capacity=3)))
    state = await store.load(conn, event_id)
    counting, version = CountingConnection(conn), uuid.uuid4()

    await store.save(counting, state, state, set(), version)

    assert counting.statements == ["UPDATE capacity_event SET version = $2 WHERE event_id = $1"]
    assert await store.lock(conn, event_id) == version


async def test_analyze_skips_the_choices_and_keeps_the_looked_up_columns(
    private_pool, event_id, layout, through_store
):
    async with private_pool.acquire() as conn:
        await through_store(conn, event_id, DefineEvent(layout(capacity=3, rounds=ROUNDS)))
        for rid in "abcde":
            await through_store(conn, event_id, request(rid, r1=["s1", "s2"]), rid)
        analysed = await analysed_columns(conn, "capacity_registration")
    assert {"event_id", "registration_id", "arrival", "status", "organisation_key"} <= analysed
    assert "choices" not in analysed
