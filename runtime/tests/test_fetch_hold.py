"""The broker holds a consumer's fetch long while nothing is buffered, short while a capped
batch's rest is (fetch_hold.py), on the real broker."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tilmeld_runtime.fetch_hold import hold_fetches

BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@pytest.fixture
async def topic(scratch_topic: Any) -> AsyncIterator[str]:
    async with scratch_topic("test.fetch-hold", 2) as name:
        yield name


@asynccontextmanager
async def _consumer(topic: str, **config: Any) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, fetch_max_wait_ms=20, **config
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.seek_to_beginning()
        yield consumer
    finally:
        await consumer.stop()


def _count_fetches(consumer: AIOKafkaConsumer) -> Callable[[], int]:
    """How many fetch requests the consumer sent since this call."""
    client: Any = consumer._client
    send, sent = client.send, [0]

    async def counting_send(node_id: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        if type(request).__name__.startswith("FetchRequest"):
            sent[0] += 1
        return await send(node_id, request, *args, **kwargs)

    client.send = counting_send
    return lambda: sent[0]


async def _first_fetch_held(consumer: AIOKafkaConsumer, hold_ms: int) -> None:
    """Until a fetch is built with the hold: the one built before it has been answered (a
    consumer has one fetch to a broker in flight at a time)."""
    fetcher: Any = consumer._fetcher
    deadline = time.monotonic() + 5
    while fetcher._fetch_max_wait_ms != hold_ms:
        assert time.monotonic() < deadline, "no fetch was built with the hold"
        await asyncio.sleep(0.01)


async def test_an_idle_consumer_is_held_long_and_gets_a_new_record_at_once(topic: str) -> None:
    async with (
        _consumer(topic) as held,
        _consumer(topic) as polling,
        AIOKafkaProducer(bootstrap_servers=BOOTSTRAP) as producer,
    ):
        hold_fetches(held, idle_ms=2_000, behind_ms=20)
        await _first_fetch_held(held, 2_000)
        held_fetches, polling_fetches = _count_fetches(held), _count_fetches(polling)
        await asyncio.sleep(1.5)
        assert held_fetches() <= 2
        assert polling_fetches() >= 20  # every 20 ms without the hold

        # The broker answers a held fetch as soon as a record comes: no hold on the hop.
        sent = time.monotonic()
        await producer.send_and_wait(topic, b"x", partition=1)
        fetched = await held.getmany(timeout_ms=5_000)
        took = time.monotonic() - sent
        assert [r.value for records in fetched.values() for r in records] == [b"x"]
        assert took < 0.5


async def test_a_capped_batch_rest_is_not_held_behind_the_idle_partitions(topic: str) -> None:
    """A fetch answered with more than a batch leaves its rest buffered; the next fetch names
    only the idle partition, and the busy one is fetched again only after it is answered. Held
    2 s, 200 records in fetches of ~50 handled 25 at a time took 2 s more per fetch."""
    async with AIOKafkaProducer(bootstrap_servers=BOOTSTRAP) as producer:
        for value in range(200):
            await producer.send_and_wait(topic, f"{value:0100d}".encode(), partition=0)

    async with _consumer(topic, max_partition_fetch_bytes=8_192) as consumer:
        hold_fetches(consumer, idle_ms=2_000, behind_ms=20)
        handled: list[int] = []
        started = time.monotonic()
        while len(handled) < 200 and time.monotonic() - started < 30:
            fetched = await consumer.getmany(timeout_ms=100, max_records=25)
            handled += [int(r.value) for records in fetched.values() for r in records]
            await asyncio.sleep(0.12)  # a batch's work: its rest stays buffered past the backoff
        took = time.monotonic() - started

    assert handled == list(range(200))
    assert took < 5.0, f"200 records took {took:.1f} s"
