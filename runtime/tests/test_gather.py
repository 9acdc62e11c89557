"""Topping up a batch (gather.py) on the real broker: what arrived while the batch was handed
out joins it, in partition order and never beyond the room left; a subscriber whose batch fails
gets it again whole, top-up included."""

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream.kafka import KafkaBroker

from tilmeld_runtime import gather
from tilmeld_runtime.host import _subscribe, group_id
from tilmeld_runtime.pipeline import Record
from tilmeld_runtime.settings import ServiceSettings

BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@pytest.fixture
async def topic(scratch_topic: Any) -> AsyncIterator[str]:
    async with scratch_topic("test.gather", 2) as name:
        yield name


@pytest.fixture
async def producer() -> AsyncIterator[AIOKafkaProducer]:
    created = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    await created.start()
    yield created
    await created.stop()


@pytest.fixture
async def consumer(topic: str) -> AsyncIterator[AIOKafkaConsumer]:
    created = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, fetch_max_wait_ms=20
    )
    await created.start()
    created.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
    await created.seek_to_beginning()
    yield created
    await created.stop()


async def _produce(producer: AIOKafkaProducer, topic: str, partition: int, values: range) -> None:
    for value in values:
        await producer.send_and_wait(topic, str(value).encode(), partition=partition)


async def _first_batch(consumer: AIOKafkaConsumer, count: int) -> list[Record]:
    found: list[Record] = []
    deadline = time.monotonic() + 20
    while len(found) < count and time.monotonic() < deadline:
        fetched = await consumer.getmany(timeout_ms=500, max_records=count - len(found))
        found += [record for records in fetched.values() for record in records]
    assert len(found) == count
    return found


def _values(records: tuple[Record, ...] | list[Record]) -> list[tuple[int, int]]:
    return [(record.partition, int(record.value)) for record in records]


async def test_what_arrived_while_the_batch_was_handed_out_joins_it(
    topic: str, producer: AIOKafkaProducer, consumer: AIOKafkaConsumer
) -> None:
    await _produce(producer, topic, 0, range(3))
    assert _values(await _first_batch(consumer, 3)) == [(0, 0), (0, 1), (0, 2)]
    # The buffer is handed out: the fetch that follows is on its way. These arrive meanwhile.
    await _produce(producer, topic, 0, range(3, 8))

    more = await gather.top_up(consumer, room=100, gather_ms=5_000)

    assert _values(more) == [(0, 3), (0, 4), (0, 5), (0, 6), (0, 7)]


async def test_a_top_up_never_exceeds_the_room_left_and_leaves_the_rest_for_the_next_batch(
    topic: str, producer: AIOKafkaProducer, consumer: AIOKafkaConsumer
) -> None:
    await _produce(producer, topic, 0, range(2))
    await _first_batch(consumer, 2)
    await _produce(producer, topic, 0, range(2, 9))

    more = await gather.top_up(consumer, room=3, gather_ms=5_000)
    rest = await _first_batch(consumer, 9 - 2 - len(more))

    assert 1 <= len(more) <= 3
    assert _values(more + tuple(rest)) == [(0, value) for value in range(2, 9)]


async def test_no_top_up_when_full_switched_off_or_without_a_real_consumer(
    topic: str, producer: AIOKafkaProducer, consumer: AIOKafkaConsumer
) -> None:
    await _produce(producer, topic, 0, range(4))
    await _first_batch(consumer, 1)

    started = time.monotonic()
    assert await gather.top_up(consumer, room=0, gather_ms=5_000) == ()
    assert await gather.top_up(consumer, room=10, gather_ms=0) == ()
    assert await gather.top_up(object(), room=10, gather_ms=5_000) == ()
    assert time.monotonic() - started < 1.0  # none of them waited
    assert _values(await _first_batch(consumer, 3)) == [(0, 1), (0, 2), (0, 3)]


async def test_a_quiet_topic_costs_at_most_the_gather_time(consumer: AIOKafkaConsumer) -> None:
    started = time.monotonic()
    assert await gather.top_up(consumer, room=10, gather_ms=50) == ()
    assert time.monotonic() - started < 1.0


async def test_a_failing_top_up_leaves_the_batch_as_fetched(
    consumer: AIOKafkaConsumer, caplog: pytest.LogCaptureFixture
) -> None:
    await consumer.stop()  # getmany now raises, as on a broker error

    assert await gather.top_up(consumer, room=10, gather_ms=1_000) == ()
    assert "topping up a batch failed" in caplog.text


class _FailsOnce:
    """A stand-in pipeline: the first batch fails as if the database went away."""

    max_per_second = None

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.batches: list[list[tuple[int, int]]] = []
        self.handled: list[tuple[int, int]] = []
        self.all_handled = asyncio.Event()

    async def process_batch(self, records: tuple[Record, ...]) -> None:
        self.batches.append(_values(records))
        if len(self.batches) == 1:
            raise OSError("connection lost")  # transient: FastStream nacks the batch
        self.handled += _values(records)
        if len(self.handled) >= 5:
            self.all_handled.set()


async def test_a_subscriber_redelivers_a_failed_batch_with_its_top_up(
    topic: str, producer: AIOKafkaProducer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top-up came from a partition the fetched records did not touch: had it joined the batch
    after FastStream took it (in the handler), the nack would not rewind that partition and the
    next commit would skip its records."""
    topping_up = asyncio.Event()
    real_top_up = gather.top_up

    async def signalled_top_up(consumer: object, room: int, gather_ms: int) -> tuple[Record, ...]:
        topping_up.set()
        return await real_top_up(consumer, room, gather_ms)

    monkeypatch.setattr(gather, "top_up", signalled_top_up)
    settings = ServiceSettings(http_port=0, batch_gather_ms=2_000)
    pipeline = _FailsOnce(topic)
    broker = KafkaBroker(BOOTSTRAP, logger=None)
    _subscribe(broker, "gather-test", pipeline, settings)  # type: ignore[arg-type]
    await _produce(producer, topic, 0, range(3))
    await broker.start()
    try:
        await asyncio.wait_for(topping_up.wait(), 30)
        await _produce(producer, topic, 1, range(10, 12))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(pipeline.all_handled.wait(), 30)
    finally:
        await broker.stop()

    assert pipeline.batches[0][:4] == [(0, 0), (0, 1), (0, 2), (1, 10)]  # (1, 11) may be later
    assert sorted(pipeline.handled) == [(0, 0), (0, 1), (0, 2), (1, 10), (1, 11)]
    committed = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP, group_id=group_id("gather-test", topic)
    )
    await committed.start()
    try:
        assert await committed.committed(TopicPartition(topic, 1)) == 2
        assert await committed.committed(TopicPartition(topic, 0)) == 3
    finally:
        await committed.stop()


def _subscriber_fetch(topic: str, wait_ms: int = 200) -> Any:
    """The `get_msg` of a service's subscriber as host._subscribe builds it (not started)."""
    broker = KafkaBroker(BOOTSTRAP, logger=None)
    subscriber = _subscribe(broker, "gather-test", _FailsOnce(topic), ServiceSettings(http_port=0))  # type: ignore[arg-type]
    assert subscriber.batch_timeout_ms == wait_ms
    return subscriber.get_msg


async def test_an_empty_poll_is_not_followed_by_a_sleep(
    topic: str, consumer: AIOKafkaConsumer
) -> None:
    """FastStream's own batch fetch sleeps its poll time again after an empty poll (400 ms in
    all); a record arriving then waited for the sleep at every hop."""
    get_msg = _subscriber_fetch(topic)

    started = time.monotonic()
    assert await get_msg(consumer) == ()
    assert 0.19 <= time.monotonic() - started < 0.33


async def test_a_record_arriving_during_an_idle_poll_is_handed_out_at_once(
    topic: str, producer: AIOKafkaProducer, consumer: AIOKafkaConsumer
) -> None:
    get_msg = _subscriber_fetch(topic)

    async def consume_loop() -> tuple[Record, ...]:  # as FastStream's, until a batch comes
        while not (records := await get_msg(consumer)):
            pass
        return records

    polling = asyncio.create_task(consume_loop())
    await asyncio.sleep(0.25)  # one empty poll behind it: FastStream's fetch would sleep now
    sent = time.monotonic()
    await _produce(producer, topic, 1, range(7, 8))

    records = await asyncio.wait_for(polling, 5)

    assert _values(records) == [(1, 7)]
    assert time.monotonic() - sent < 0.1


class _ReturnsAtOnce(AIOKafkaConsumer):
    """A consumer whose polls come back empty without waiting, as when it is between
    assignments."""

    async def getmany(self, *partitions: TopicPartition, **_: Any) -> dict[Any, Any]:
        return {}


async def test_a_pace_waits_after_a_batch_in_proportion_to_its_size() -> None:
    now = [100.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pace = gather.Pace(500, "test.pace", clock=lambda: now[0], sleep=sleep)
    await pace.wait()
    assert slept == []  # nothing taken in yet

    pace.took(500)
    now[0] += 0.25  # handling the batch took 250 ms
    await pace.wait()
    assert slept == [pytest.approx(0.75)]  # 500 records at 500/s: one second in all

    pace.took(5)
    now[0] += 1.0  # a small batch, then a quiet second: a consumer that keeps up never waits
    await pace.wait()
    assert slept == [pytest.approx(0.75)]

    with pytest.raises(ValueError, match="positive"):
        gather.Pace(0, "test.pace")


async def test_an_early_empty_poll_waits_out_its_time_so_the_loop_never_spins() -> None:
    started = time.monotonic()
    assert await gather.fetch(_ReturnsAtOnce(bootstrap_servers=BOOTSTRAP), 10, 150) == ()
    assert time.monotonic() - started >= 0.14
