"""Consumer lag after other systems' transactional writes, on the real broker: every committed or
aborted transaction leaves a control record (its marker) on the partition, one offset that no
consumer is handed. A group that has handled everything must still have committed past it, or
the lag monitor (end offset − committed offset) shows a lag that never goes away."""

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY
from pydantic import BaseModel

from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime.host import _subscribe, group_id
from tilmeld_runtime.lag import ConsumerLagMonitor
from tilmeld_runtime.pipeline import Pipeline, Route, Tx
from tilmeld_runtime.settings import ServiceSettings

BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
SERVICE = "lag-test"
TYPE = "dk.example.thing.v1"


class Thing(BaseModel):
    name: str


@pytest.fixture
async def topic(scratch_topic: Any) -> AsyncIterator[str]:
    async with scratch_topic("test.lag", 1) as name:
        yield name


class _Handled:
    """A real pipeline (inbox claim and handler in one database transaction) that remembers
    what it handled."""

    def __init__(self, pool: asyncpg.Pool, topic: str) -> None:
        self.names: list[str] = []
        self.changed = asyncio.Event()

        async def handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
            tx.after_commit(lambda: self._done(thing.name))

        self.pipeline = Pipeline(pool, topic, {TYPE: Route(Thing, handle)})

    def _done(self, name: str) -> None:
        self.names.append(name)
        self.changed.set()

    async def wait_for(self, count: int) -> None:
        async with asyncio.timeout(30):
            while len(self.names) < count:
                self.changed.clear()
                await self.changed.wait()


def _event(name: str) -> bytes:
    return orjson.dumps(
        {
            "specversion": "1.0",
            "id": name,
            "source": "urn:test",
            "type": TYPE,
            "time": "2026-01-01T00:00:00Z",
            "data": {"name": name},
        }
    )


async def _transaction(
    producer: AIOKafkaProducer, topic: str, names: list[str], *, commit: bool = True
) -> None:
    await producer.begin_transaction()
    for name in names:
        await producer.send_and_wait(topic, _event(name), key=name.encode(), partition=0)
    if commit:
        await producer.commit_transaction()
    else:
        await producer.abort_transaction()


async def _offsets(topic: str) -> tuple[int, int | None]:
    """The partition's read_committed end offset and the group's committed offset."""
    tp = TopicPartition(topic, 0)
    ends = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await ends.start()
    await admin.start()
    try:
        end = (await ends.end_offsets([tp]))[tp]
        committed = await admin.list_consumer_group_offsets(
            group_id(SERVICE, topic), partitions=[tp]
        )
    finally:
        await ends.stop()
        await admin.close()
    done = committed.get(tp)
    return end, done.offset if done is not None else None


async def _caught_up(topic: str) -> tuple[int, int | None]:
    """(end, committed) once the group committed the end offset, or as they are after 10 s."""
    deadline = time.monotonic() + 10
    while True:
        end, committed = await _offsets(topic)
        if committed == end or time.monotonic() > deadline:
            return end, committed
        await asyncio.sleep(0.1)


async def _sampled_lag(topic: str) -> float | None:
    monitor = ConsumerLagMonitor(BOOTSTRAP, {topic: group_id(SERVICE, topic)})
    await monitor._admin.start()
    await monitor._offsets.start()
    try:
        await monitor.sample()
    finally:
        await monitor.stop()
    labels = {"group": group_id(SERVICE, topic), "topic": topic, "partition": "0"}
    return REGISTRY.get_sample_value("tilmeld_consumer_lag", labels)


@pytest.fixture
async def transactional(topic: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=topic)
    await producer.start()
    yield producer
    await producer.stop()


async def _running(pool: asyncpg.Pool, topic: str, settings: ServiceSettings) -> Any:
    handled = _Handled(pool, topic)
    broker = KafkaBroker(BOOTSTRAP, logger=None)
    _subscribe(broker, SERVICE, handled.pipeline, settings)
    await broker.start()
    return broker, handled


async def test_transactions_written_before_the_consumer_started_leave_no_lag(
    runtime_pool: asyncpg.Pool, topic: str, transactional: AIOKafkaProducer
) -> None:
    await _transaction(transactional, topic, ["a1", "a2", "a3"])
    await _transaction(transactional, topic, ["x1", "x2"], commit=False)
    await _transaction(transactional, topic, ["b1", "b2"])

    broker, handled = await _running(runtime_pool, topic, ServiceSettings(http_port=0))
    try:
        await handled.wait_for(5)
        end, committed = await _caught_up(topic)
    finally:
        await broker.stop()

    assert handled.names == ["a1", "a2", "a3", "b1", "b2"]
    assert (end, committed) == (10, 10)  # 7 records, 3 markers
    assert await _sampled_lag(topic) == 0


async def test_transactions_written_to_a_caught_up_consumer_leave_no_lag(
    runtime_pool: asyncpg.Pool, topic: str, transactional: AIOKafkaProducer
) -> None:
    """The usual case: the other system writes while the service is running. An aborted
    transaction last hands the consumer nothing at all, yet moves the end offset."""
    broker, handled = await _running(runtime_pool, topic, ServiceSettings(http_port=0))
    try:
        await _transaction(transactional, topic, ["a1", "a2"])
        await handled.wait_for(2)
        committed_ones = await _caught_up(topic)
        await _transaction(transactional, topic, ["x1", "x2"], commit=False)
        aborted_last = await _caught_up(topic)
    finally:
        await broker.stop()

    assert handled.names == ["a1", "a2"]
    assert committed_ones == (3, 3)
    assert aborted_last == (6, 6)
    assert await _sampled_lag(topic) == 0


async def test_a_full_batch_that_ends_right_before_a_marker_leaves_no_lag(
    runtime_pool: asyncpg.Pool, topic: str, transactional: AIOKafkaProducer
) -> None:
    """A batch capped at `batch_max_records` stops at its last record: the marker behind it is
    passed over only by the next poll, which hands out nothing."""
    await _transaction(transactional, topic, ["a1", "a2", "a3"])

    settings = ServiceSettings(http_port=0, batch_max_records=3)
    broker, handled = await _running(runtime_pool, topic, settings)
    try:
        await handled.wait_for(3)
        end, committed = await _caught_up(topic)
    finally:
        await broker.stop()

    assert (end, committed) == (4, 4)
    assert await _sampled_lag(topic) == 0


async def test_a_real_lag_of_one_record_still_shows(
    runtime_pool: asyncpg.Pool, topic: str, transactional: AIOKafkaProducer
) -> None:
    await _transaction(transactional, topic, ["a1", "a2"])
    broker, handled = await _running(runtime_pool, topic, ServiceSettings(http_port=0))
    try:
        await handled.wait_for(2)
        assert await _caught_up(topic) == (3, 3)
    finally:
        await broker.stop()
    await _transaction(transactional, topic, ["b1"])  # nobody consumes it

    assert await _offsets(topic) == (5, 3)
    assert await _sampled_lag(topic) == 2  # the record and its marker
