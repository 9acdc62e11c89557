"""The outbox relay on the real PostgreSQL and the real Kafka broker: committed rows go out in
order with their keys and headers and are deleted only then; one relay per database publishes,
and a second one takes over when the first stops."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.protocol.produce import ProduceRequest

from tilmeld_runtime.outbox import enqueue_raw
from tilmeld_runtime.relay import OutboxRelay

BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")


@pytest.fixture
async def topic(scratch_topic: Any) -> AsyncIterator[str]:
    async with scratch_topic("test.relay", 3) as name:
        yield name


async def _enqueue(pool: asyncpg.Pool, topic: str, values: list[tuple[bytes, bytes]]) -> None:
    async with pool.acquire() as conn, conn.transaction():
        for key, value in values:
            await enqueue_raw(conn, topic, key, value, [("tilmeld-test", value)])


async def _read(topic: str, count: int, seconds: float = 20.0) -> list[tuple[bytes, bytes, bytes]]:
    """(key, value, header) of the first `count` records, per partition in offset order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(3)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        found: list[tuple[bytes, bytes, bytes]] = []
        deadline = time.monotonic() + seconds
        while len(found) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                found += [(r.key, r.value, dict(r.headers)["tilmeld-test"]) for r in records]
        return found
    finally:
        await consumer.stop()


async def _until(check: Callable[[], Awaitable[bool]], seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _published_by(
    relay: OutboxRelay, pool: asyncpg.Pool, topic: str, count: int
) -> list[tuple[bytes, bytes, bytes]]:
    """Run `relay` until `count` records are on `topic` and the outbox is empty; those records."""
    await relay.start()
    try:
        found = await _read(topic, count)
        await _until(lambda: _empty(pool))
    finally:
        await relay.stop()
    return found


def _relay(pool: asyncpg.Pool) -> OutboxRelay:
    return OutboxRelay(pool, DSN, BOOTSTRAP, batch_size=7, client_id="tilmeld-test-relay")


async def test_committed_rows_go_out_in_order_per_key_and_are_deleted_after(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    values = [(f"event-{i % 2}".encode(), f"{i:03d}".encode()) for i in range(40)]
    await _enqueue(runtime_pool, topic, values[:20])
    relay = _relay(runtime_pool)
    await relay.start()
    try:
        await _enqueue(runtime_pool, topic, values[20:])  # while it runs: woken by NOTIFY
        found = await _read(topic, 40)
        await _until(lambda: _empty(runtime_pool))
    finally:
        await relay.stop()
    assert len(found) == 40  # in batches of 7, none lost, none twice
    for key in (b"event-0", b"event-1"):
        sent = [value for k, value in values if k == key]
        assert [value for k, value, _ in found if k == key] == sent
    assert all(header == value for _, value, header in found)


async def test_one_relay_per_database_publishes_and_a_second_takes_over(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    first, second = _relay(runtime_pool), _relay(runtime_pool)
    await first.start()
    await _until(lambda: _true(first.active))
    await second.start()
    try:
        await asyncio.sleep(0.5)
        assert first.active and not second.active  # the advisory lock is taken
        await _enqueue(runtime_pool, topic, [(b"e", b"before")])
        await _until(lambda: _empty(runtime_pool))
        await first.stop()
        await _until(lambda: _true(second.active))  # it tries again every 2 s
        await _enqueue(runtime_pool, topic, [(b"e", b"after")])
        found = await _read(topic, 2)
        await _until(lambda: _empty(runtime_pool))
    finally:
        await second.stop()
        await first.stop()
    assert [value for _, value, _ in found] == [b"before", b"after"]


async def test_a_deferring_relay_leaves_the_lock_to_one_started_after_it_and_stands_by(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    deferring = OutboxRelay(runtime_pool, DSN, BOOTSTRAP, client_id="deferring", defer_seconds=1.0)
    prompt = _relay(runtime_pool)
    await deferring.start()
    await asyncio.sleep(0.3)
    await prompt.start()
    try:
        await _until(lambda: _true(prompt.active))
        await asyncio.sleep(1.5)  # past the deferral: the lock is taken, it stands by
        assert not deferring.active
        await prompt.stop()
        await _until(lambda: _true(deferring.active))
        await _enqueue(runtime_pool, topic, [(b"e", b"by the deferring relay")])
        found = await _read(topic, 1)
        await _until(lambda: _empty(runtime_pool))
    finally:
        await prompt.stop()
        await deferring.stop()
    assert [value for _, value, _ in found] == [b"by the deferring relay"]


async def _empty(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM outbox") == 0)


async def _true(value: bool) -> bool:
    return value


async def test_large_and_small_batches_are_deleted_and_none_goes_out_twice(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    """Batches above _MERGE_AT_MOST get a DELETE of their own; smaller ones are deleted by the
    statement that reads the next rows. Either way each row goes out once, and a relay that
    stops leaves nothing it published behind."""
    values = [(b"event", f"{i:03d}".encode()) for i in range(150)]
    await _enqueue(runtime_pool, topic, values)
    relay = OutboxRelay(pool=runtime_pool, dsn=DSN, bootstrap=BOOTSTRAP, batch_size=100)
    await relay.start()
    try:
        found = await _read(topic, 150)
        await _until(lambda: _empty(runtime_pool))
        await _enqueue(runtime_pool, topic, [(b"event", b"last")])
        found += (await _read(topic, 151))[150:]
    finally:
        await relay.stop()
    assert [value for _, value, _ in found] == [value for _, value in values] + [b"last"]
    assert await _empty(runtime_pool)
    # Waiting 2 s for a 152nd record: none comes, so no row was published twice.
    assert len(await _read(topic, 152, seconds=2.0)) == 151


class _CountingPool:
    """The pool as the relay sees it, counting the statements it runs."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool, self.statements = pool, 0

    async def fetch(self, *args: Any) -> Any:
        self.statements += 1
        return await self._pool.fetch(*args)

    async def execute(self, *args: Any) -> Any:
        self.statements += 1
        return await self._pool.execute(*args)

    async def fetchval(self, *args: Any) -> Any:
        self.statements += 1
        return await self._pool.fetchval(*args)


async def test_steady_traffic_costs_one_statement_per_cycle_and_nothing_lingers(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    """Rows that come one transaction at a time (each with its NOTIFY): a cycle that was not
    full does not look again at once; its rows are deleted by the statement that reads the next
    ones. Before, every cycle took a second statement that found nothing."""
    relay = _relay(runtime_pool)
    counting = _CountingPool(runtime_pool)
    cycles = [0]
    publish_batch = relay._publish_batch

    async def counted_publish_batch() -> int:
        published = await publish_batch()
        cycles[0] += published > 0
        return published

    await relay.start()
    await _until(lambda: _true(relay.active))
    relay._pool = counting  # type: ignore[assignment]
    relay._publish_batch = counted_publish_batch  # type: ignore[method-assign]
    try:
        for index in range(30):
            await _enqueue(runtime_pool, topic, [(b"event", f"{index:03d}".encode())])
            await asyncio.sleep(0.01)
        found = await _read(topic, 30)
        started = time.monotonic()
        await _until(lambda: _empty(runtime_pool), seconds=2.0)
        emptied_after = time.monotonic() - started
    finally:
        await relay.stop()
    assert [value for _, value, _ in found] == [f"{i:03d}".encode() for i in range(30)]
    assert cycles[0] >= 5
    assert counting.statements <= 1.3 * cycles[0] + 2, (counting.statements, cycles[0])
    assert emptied_after < 0.5


async def test_a_full_cycle_for_one_key_goes_out_in_one_produce_request(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    """One event's records share a partition, and aiokafka sends a partition's batches one
    request at a time. With its default 16 KB batches, 500 facts of ~1 KB (a rush cycle) took
    ~30 produce requests in sequence; the relay's batches hold a whole cycle."""
    values = [(b"event", f"{i:03d}".encode() + b"x" * 1_000) for i in range(500)]
    await _enqueue(runtime_pool, topic, values)
    relay = OutboxRelay(runtime_pool, DSN, BOOTSTRAP, batch_size=500)
    produce_requests = [0]
    send = relay._producer.client.send

    async def counted_send(node_id: int, request: Any, **kwargs: Any) -> Any:
        produce_requests[0] += isinstance(request, ProduceRequest)
        return await send(node_id, request, **kwargs)

    relay._producer.client.send = counted_send  # type: ignore[method-assign]
    found = await _published_by(relay, runtime_pool, topic, 500)
    assert [value for _, value, _ in found] == [value for _, value in values]
    assert produce_requests[0] <= 2, produce_requests[0]
