"""Capacity's optimistic batch through the real pipeline and PostgreSQL: the event's version
token read without a lock, the closing statement writing only where the row still carries it,
and a batch whose event another instance changed meanwhile decided again with the row locked."""

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest
from prometheus_client import REGISTRY

from capacity.adapters import store
from capacity.domain import CancelEvent, Command, RequestSeat, SeatRequest, Status, decide, replay
from capacity.service.handlers import routes
from tilmeld_contracts import topics
from tilmeld_contracts.internal import capacity_v1 as contract
from tilmeld_contracts.internal.bundle_v1 import events_in
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.testing import LoggedPool, consumer_record, queued_records

TOPIC = topics.CAPACITY_COMMANDS
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _record(event_id: str, type_: str, data: dict[str, object], offset: int):
    value = orjson.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "urn:tilmeld:registration",
            "type": type_,
            "time": "2026-01-01T00:00:00Z",
            "data": data,
        }
    )
    return consumer_record(TOPIC, event_id.encode(), value, offset=offset, headers=[])


def _define(event_id: str, capacity: int, offset: int = 0):
    definition = {
        "id": event_id,
        "kind": "conference",
        "title": "Dagtilbud",
        "organiser": "STUK",
        "starts_at": "2023-10-03T09:00:00+02:00",
        "ends_at": "2023-10-03T15:30:00+02:00",
        "capacity": capacity,
    }
    return _record(event_id, contract.DEFINE_EVENT, {"event": definition}, offset)


def _request(event_id: str, registration_id: str, offset: int):
    data = {"event_id": event_id, "registration_id": registration_id, "organisation_key": "o"}
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


async def test_a_known_events_batch_reads_its_token_and_closes_with_one_statement(
    private_pool: asyncpg.Pool, event: str
) -> None:
    logged = LoggedPool(private_pool)
    pipeline = Pipeline(logged, TOPIC, routes())
    await pipeline.process_batch([_define(event, 10)])  # the event's row is created: locked
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


async def _other_instance_holds(other: asyncpg.Connection, event: str, command: Command) -> None:
    """Another instance (during a rebalance) decides `command` with the event row locked, and
    keeps the lock until `other`'s transaction ends."""
    state = await store.load(other, event)
    decisions = decide(state, command, NOW)
    await store.save(other, state, replay(state, decisions), version=uuid.uuid4())


async def test_an_event_cancelled_meanwhile_is_decided_again_with_the_lock(
    private_pool: asyncpg.Pool, event: str
) -> None:
    """Another instance is cancelling the event and holds its row; this instance read the token
    before that commits and would seat "ours" in a cancelled event. Its closing statement waits
    for the row, finds the token changed, and the batch is decided again with the row locked:
    "ours" is refused."""
    pipeline = Pipeline(private_pool, TOPIC, routes())
    await pipeline.process_batch([_define(event, 10), _request(event, "first", 1)])
    before = _handled_again()
    async with private_pool.acquire() as other, other.transaction():
        await _other_instance_holds(other, event, CancelEvent())
        ours = asyncio.create_task(pipeline.process_batch([_request(event, "ours", 2)]))
        await _closing_statement_waits(private_pool, other)
        assert not ours.done()
    await asyncio.wait_for(ours, 10)
    assert _handled_again() == (before[0] + 1, before[1])
    assert await _statuses(private_pool, event) == {
        "first": Status.RELEASED.value,
        "ours": Status.REFUSED.value,
    }
    decided = await _decided(private_pool, event)
    assert (contract.SEAT_REFUSED, "ours") in decided
    assert (contract.SEAT_GRANTED, "ours") not in decided


async def test_a_seat_another_instance_took_meanwhile_is_not_given_twice(
    private_pool: asyncpg.Pool, event: str
) -> None:
    """One seat left; another instance is giving it to "theirs". Both take the event's next
    arrival number, so the closing statement may fail on that unique key before the token
    check: either way the batch is decided again with the row locked, and "ours" waits."""
    pipeline = Pipeline(private_pool, TOPIC, routes())
    await pipeline.process_batch([_define(event, 2), _request(event, "first", 1)])
    before = _handled_again()
    async with private_pool.acquire() as other, other.transaction():
        await _other_instance_holds(other, event, RequestSeat(SeatRequest("theirs", "o", {})))
        ours = asyncio.create_task(pipeline.process_batch([_request(event, "ours", 2)]))
        await _closing_statement_waits(private_pool, other)
        assert not ours.done()
    await asyncio.wait_for(ours, 10)
    assert sum(_handled_again()) == sum(before) + 1
    assert await _statuses(private_pool, event) == {
        "first": Status.HOLDING.value,
        "theirs": Status.HOLDING.value,
        "ours": Status.WAITING.value,
    }
    decided = await _decided(private_pool, event)
    assert (contract.SEAT_WAITLISTED, "ours") in decided
    assert (contract.SEAT_GRANTED, "ours") not in decided


async def test_a_write_checked_against_a_token_that_changed_fails_whole(
    private_pool: asyncpg.Pool, event: str
) -> None:
    """Without waiting for a lock: the token changed between the read and the write."""
    pipeline = Pipeline(private_pool, TOPIC, routes())
    await pipeline.process_batch([_define(event, 2)])
    async with private_pool.acquire() as conn:
        read = await store.read_version(conn, event)
        state = await store.read_state(conn, event)
        await conn.execute(
            "UPDATE capacity_event SET version = $2 WHERE event_id = $1", event, uuid.uuid4()
        )
        decisions = decide(state, RequestSeat(SeatRequest("late", "o", {})), NOW)
        with pytest.raises(asyncpg.exceptions.SerializationError, match="capacity_event"):
            await store.save(conn, state, replay(state, decisions), version=uuid.uuid4(), read=read)
    assert await _statuses(private_pool, event) == {}
