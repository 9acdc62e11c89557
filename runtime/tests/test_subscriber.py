"""A service's subscriber (host._subscribe) on the real broker: the pipeline gets the records as
aiokafka fetched them, without FastStream decoding their bodies and without a worker thread; a
paced one no faster than its limit."""

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio.to_thread
import pytest
from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY

from tilmeld_contracts import topics
from tilmeld_runtime.host import _subscribe
from tilmeld_runtime.pipeline import Record
from tilmeld_runtime.settings import ServiceSettings

BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@pytest.fixture
async def topic(scratch_topic: Any) -> AsyncIterator[str]:
    async with scratch_topic("test.subscriber", 1) as name:
        yield name


class _Collects:
    """A stand-in pipeline that keeps what it is handed."""

    def __init__(self, topic: str, expected: int, max_per_second: float | None = None) -> None:
        self.topic, self.max_per_second = topic, max_per_second
        self.batches: list[tuple[Record, ...]] = []
        self.arrived: list[float] = []
        self._expected = expected
        self.done = asyncio.Event()

    async def process_batch(self, records: tuple[Record, ...]) -> None:
        self.batches.append(records)
        self.arrived.append(time.monotonic())
        if sum(len(batch) for batch in self.batches) >= self._expected:
            self.done.set()


async def _subscribed(topic: str, expected: int) -> list[Record]:
    """What a service's subscriber on `topic` hands its pipeline, until `expected` records."""
    pipeline = await _collected(_Collects(topic, expected), ServiceSettings(http_port=0))
    return [record for batch in pipeline.batches for record in batch]


async def _collected(pipeline: _Collects, settings: ServiceSettings) -> _Collects:
    broker = KafkaBroker(BOOTSTRAP, logger=None)
    _subscribe(broker, "subscriber-test", pipeline, settings)  # type: ignore[arg-type]
    await broker.start()
    try:
        await asyncio.wait_for(pipeline.done.wait(), 30)
    finally:
        await broker.stop()
    return pipeline


async def _produce(topic: str, values: list[bytes]) -> None:
    """`values` in order to partition 0, each acknowledged before the next is sent."""
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value, key=b"k", partition=0)
    finally:
        await producer.stop()


async def test_the_pipeline_gets_the_fetched_records_and_no_thread_is_involved(
    topic: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    handed_to_threads: list[object] = []
    real_run_sync = anyio.to_thread.run_sync

    async def counting_run_sync(func: Any, *args: Any, **kwargs: Any) -> Any:
        handed_to_threads.append(func)
        return await real_run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_run_sync)
    values = [b'{"a": 1}', b"not json at all", b""]
    await _produce(topic, values)
    records = await _subscribed(topic, len(values))
    assert [(record.topic, record.key, record.value) for record in records] == [
        (topic, b"k", value) for value in values
    ]
    assert handed_to_threads == []


async def test_a_paced_subscriber_takes_in_no_faster_than_its_limit_and_loses_nothing(
    topic: str,
) -> None:
    values = [str(n).encode() for n in range(60)]
    await _produce(topic, values)
    before = REGISTRY.get_sample_value("tilmeld_intake_paced_seconds_total", {"topic": topic})

    settings = ServiceSettings(http_port=0, batch_max_records=20)
    pipeline = await _collected(_Collects(topic, len(values), max_per_second=100), settings)

    # Three batches of 20 at 100/s: each fetch 0.2 s after the one before (unpaced, all three
    # are handed out within milliseconds: the records are in the consumer's buffer).
    assert [len(batch) for batch in pipeline.batches] == [20, 20, 20]
    assert pipeline.arrived[2] - pipeline.arrived[0] >= 0.38
    assert [record.value for batch in pipeline.batches for record in batch] == values
    paced = REGISTRY.get_sample_value("tilmeld_intake_paced_seconds_total", {"topic": topic})
    assert (paced or 0) - (before or 0) >= 0.3


async def test_idle_consumers_let_the_broker_hold_their_fetches_longer() -> None:
    """Polling a topic with nothing new every 20 ms cost CPU in the broker and the service; the
    broker answers a held fetch as soon as a record arrives (fetch_hold.py). The topics that
    carry a few records a day have a hold of their own."""
    settings = ServiceSettings(
        http_port=0, fetch_max_wait_ms=20, idle_fetch_max_wait_ms=700, quiet_fetch_max_wait_ms=900
    )
    broker = KafkaBroker(BOOTSTRAP, logger=None)
    subscribers = {
        topic: _subscribe(broker, "subscriber-test", _Collects(topic, 1), settings)  # type: ignore[arg-type]
        for topic in (topics.CATALOG, topics.ORGANISER_MESSAGES, topics.SIGNUPS)
    }
    expected = {topics.CATALOG: 900, topics.ORGANISER_MESSAGES: 900, topics.SIGNUPS: 700}
    await broker.start()
    try:
        deadline = time.monotonic() + 10
        while True:  # the hold applies from the first fetch built after the first batch's poll
            held = {t: s.consumer._fetcher._fetch_max_wait_ms for t, s in subscribers.items()}
            if held == expected or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
    finally:
        await broker.stop()

    assert held == expected


async def test_other_clients_records_reach_the_pipeline_as_they_came_and_aborted_ones_never(
    topic: str,
) -> None:
    """Kafka allows null and binary header values, compressed batches and transactions; other
    systems' clients use them. FastStream's own parser fails a batch on such a header (and the
    batch would be skipped), aiokafka needs cramjam for the codecs, and read_uncommitted would
    hand over what a transaction aborted."""
    sent: list[tuple[bytes, list[tuple[str, bytes | None]]]] = []
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", compression_type=codec)
        await producer.start()
        try:
            headers: list[tuple[str, bytes | None]] = [
                ("x-null", None),
                ("x-binary", b"\xff\xfe"),
                ("codec", codec.encode()),
            ]
            value = f'{{"codec": "{codec}"}}'.encode()
            await producer.send_and_wait(topic, value, key=b"k", partition=0, headers=headers)  # type: ignore[arg-type]
            sent.append((value, headers))
        finally:
            await producer.stop()
    transactional = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=topic)
    await transactional.start()
    try:
        await transactional.begin_transaction()
        await transactional.send_and_wait(topic, b"aborted", key=b"k", partition=0)
        await transactional.abort_transaction()
        async with transactional.transaction():
            await transactional.send_and_wait(topic, b"committed", key=b"k", partition=0)
        sent.append((b"committed", []))
    finally:
        await transactional.stop()

    records = await _subscribed(topic, len(sent))
    assert [(record.value, list(record.headers)) for record in records] == sent
