"""Capacity's optimistic batch through the real pipeline and PostgreSQL: the event's version
token read without a lock, the closing statement writing only where the row still carries it,
and a batch whose event another instance changed meanwhile decided again with the row locked."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest
from prometheus_client import REGISTRY
from pydantic import BaseModel

from capacity.adapters import store
from capacity.domain import CancelEvent, Command, RequestSeat, SeatRequest, Status, decide, replay
from capacity.service.handlers import routes
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import encode, new_event
from tilmeld_contracts.ids import random_id
from tilmeld_contracts.internal import capacity_v1 as contract
from tilmeld_contracts.internal.bundle_v1 import events_in
from tilmeld_runtime.pipeline import Pipeline, Record
from tilmeld_runtime.testing import LoggedPool, consumer_record, queued_records
from tilmeld_runtime.writes import combined

TOPIC = topics.CAPACITY_COMMANDS
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SOURCE = "urn:tilmeld:registration"


def _record(event_id: str, type_: str, data: BaseModel, offset: int) -> Record:
    event = new_event(type=type_, source=SOURCE, id=random_id(), time=NOW, subject=None, data=data)
    return consumer_record(TOPIC, event_id.encode(), encode(event), offset=offset, headers=[])


def _request(event_id: str, registration_id: str, offset: int) -> Record:
    data = contract.RequestSeat(
        event_id=event_id, registration_id=registration_id, organisation_key="o"
    )
    return _record(event_id, contract.REQUEST_SEAT, data, offset)


def _handled_again() -> tuple[float, float]:
    """Batches handled again because what they read changed, and because of a unique key."""
    labels = {"topic": TOPIC}
    return (
        REGISTRY.get_sample_value("tilmeld_batches_changed_meanwhile_total", labels) or 0.0,
        REGISTRY.get_sample_value("tilmeld_batches_claimed_again_total", labels) or 0.0,
    )


async def _statuses(pool: asyncpg.Pool, event_id: str) -> dict[str, str]:
    rows = await pool.fetch(
        "SELECT registration_id, status FROM capacity_registration WHERE event_id = $1", event_id
    )
    return {r["registration_id"]: r["status"] for r in rows}


async def _decided(pool: asyncpg.Pool, event_id: str) -> list[tuple[str, str]]:
    """(decision type, registration id) of each decision queued for the registration service."""
    return [
        (event["type"], event["data"].get("registration_id"))
        for record in await queued_records(pool, event_id.encode())
        for event in events_in(orjson.loads(record.value))
    ]


@pytest.fixture
def event() -> str:
    return f"optimistic-{uuid.uuid4()}"


@pytest.fixture
def define(event: str, event_definition: Callable[..., Any]) -> Callable[[int], Record]:
    """`define(capacity)`: the record that defines the test's event with that capacity."""

    def record(capacity: int) -> Record:
        data = contract.DefineEvent(event=event_definition(event, capacity))
        return _record(event, contract.DEFINE_EVENT, data, 0)

    return record


async def test_a_known_events_batch_reads_its_token_and_closes_with_one_statement(
    private_pool: asyncpg.Pool, event: str, define: Callable[[int], Record]
) -> None:
    logged = LoggedPool(private_pool)
    pipeline = Pipeline(logged, TOPIC, routes())
    await pipeline.process_batch([define(10)])  # the event's row is created: locked
    await pipeline.process_batch([_request(event, "warm", 1)])  # asyncpg learns the types
    logged.statements.clear()
    await pipeline.process_batch([_request(event, f"r{n}", 1 + n) for n in range(1, 4)])
    assert logged.statements == [
        "SELECT version FROM capacity_event WHERE",
        "WITH w0 AS (INSERT INTO inbox (source, i",
    ]
    statuses = await _statuses(private_pool, event)
    assert statuses == {rid: Status.HOLDING.value for rid in ["warm", "r1", "r2", "r3"]}


async def _closing_statement_waits(pool: asyncpg.Pool, other: asyncpg.Connection) -> None:
    """Until a batch's closing statement (another backend than `other`) waits for a lock."""
    deadline = asyncio.get_running_loop().time() + 10
    while not await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid"
        " WHERE a.query LIKE 'WITH w0 AS%' AND a.pid <> $1 AND NOT l.granted",
        other.get_server_pid(),
    ):
        assert asyncio.get_running_loop().time() < deadline, "the closing statement never waited"
        await asyncio.sleep(0.02)


async def _ours_while_another_instance_holds(
    pool: asyncpg.Pool, event: str, first: list[Record], theirs: Command
) -> tuple[float, float]:
    """After this instance handled `first`: another instance (during a rebalance) decides
    `theirs` with the event row locked, and while it holds the lock this instance handles a
    request for "ours", whose closing statement must wait for the row. Returns how many
    batches were handled again meanwhile (`_handled_again`)."""
    pipeline = Pipeline(pool, TOPIC, routes())
    await pipeline.process_batch(first)
    before = _handled_again()
    async with pool.acquire() as other, other.transaction():
        state = await store.load(other, event)
        decisions = decide(state, theirs, NOW)
        await store.save(other, state, replay(state, decisions), version=uuid.uuid4())
        ours = asyncio.create_task(pipeline.process_batch([_request(event, "ours", 2)]))
        await _closing_statement_waits(pool, other)
        assert not ours.done()
    await asyncio.wait_for(ours, 10)
    after = _handled_again()
    return after[0] - before[0], after[1] - before[1]


async def _ours_decided(
    pool: asyncpg.Pool, event: str, statuses: dict[str, Status], decision: str
) -> None:
    """The event's registrations end in `statuses`, and "ours" was told `decision`, never a
    seat."""
    assert await _statuses(pool, event) == {rid: status.value for rid, status in statuses.items()}
    decided = await _decided(pool, event)
    assert (decision, "ours") in decided
    assert (contract.SEAT_GRANTED, "ours") not in decided


async def test_an_event_cancelled_meanwhile_is_decided_again_with_the_lock(
    private_pool: asyncpg.Pool, event: str, define: Callable[[int], Record]
) -> None:
    """Another instance is cancelling the event and holds its row; this instance read the token
    before that commits and would seat "ours" in a cancelled event. Its closing statement waits
    for the row, finds the token changed, and the batch is decided again with the row locked:
    "ours" is refused."""
    first = [define(10), _request(event, "first", 1)]
    again = await _ours_while_another_instance_holds(private_pool, event, first, CancelEvent())
    assert again == (1, 0)  # changed meanwhile, not claimed again
    statuses = {"first": Status.RELEASED, "ours": Status.REFUSED}
    await _ours_decided(private_pool, event, statuses, contract.SEAT_REFUSED)


async def test_a_seat_another_instance_took_meanwhile_is_not_given_twice(
    private_pool: asyncpg.Pool, event: str, define: Callable[[int], Record]
) -> None:
    """One seat left; another instance is giving it to "theirs". Both take the event's next
    arrival number, so the closing statement may fail on that unique key before the token
    check: either way the batch is decided again with the row locked, and "ours" waits."""
    first = [define(2), _request(event, "first", 1)]
    theirs = RequestSeat(SeatRequest("theirs", "o", {}))
    again = await _ours_while_another_instance_holds(private_pool, event, first, theirs)
    assert sum(again) == 1
    statuses = {"first": Status.HOLDING, "theirs": Status.HOLDING, "ours": Status.WAITING}
    await _ours_decided(private_pool, event, statuses, contract.SEAT_WAITLISTED)


async def test_a_write_checked_against_a_token_that_changed_fails_whole(
    private_pool: asyncpg.Pool, event: str, define: Callable[[int], Record]
) -> None:
    """Without waiting for a lock: the token changed between the read and the write. The
    checked write of the event row goes last in the statement, after the new registration's
    insert, and the registration is not written either."""
    pipeline = Pipeline(private_pool, TOPIC, routes())
    await pipeline.process_batch([define(2)])
    async with private_pool.acquire() as conn:
        read = await store.read_version(conn, event)
        state = await store.read_state(conn, event)
        await conn.execute(
            "UPDATE capacity_event SET version = $2 WHERE event_id = $1", event, uuid.uuid4()
        )
        decisions = decide(state, RequestSeat(SeatRequest("late", "o", {})), NOW)
        writes = store.changes(state, replay(state, decisions), version=uuid.uuid4(), read=read)
        assert writes[0].sql.startswith("UPDATE capacity_event") and len(writes) > 1
        statement = combined([*writes[1:], writes[0]])
        with pytest.raises(asyncpg.exceptions.SerializationError, match="capacity_event"):
            await conn.execute(statement.sql, *statement.args)
    assert await _statuses(private_pool, event) == {}
