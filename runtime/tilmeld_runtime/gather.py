"""A subscriber's batch fetch: no sleep after an empty poll, and topping up a batch with what
arrived while the previous batch was handled.

aiokafka fetches ahead: the fetch for a partition is sent when its buffered records are handed
out, i.e. at the START of a batch, and what it brings waits in the buffer until that batch is
done. So a record that arrives just after the fetch was answered waits for the rest of this
batch, the whole next one, and only then starts: on average one and a half batch durations per
consumer hop (at 1,000 sign-ups/s registration's batches take ~18 ms: ~27 ms of waiting).

Handing out the buffer sends the next fetch at once; waiting a moment for its answer
(`gather_ms`, about one round trip to the broker) before the transaction starts puts everything
that arrived meanwhile into this batch: ~9 ms of waiting on average. A full batch is not topped
up, so a rush pays nothing; a quiet topic pays at most `gather_ms` per batch.

The top-up happens inside the subscriber's fetch (`fetch_into`), before FastStream sees the
batch: its metrics count every record, its nack rewinds every partition of the batch (top-up
included), and its commit covers exactly the records handled. Per-partition order is kept: a
partition's top-up follows its records in the batch.

The fetch also never sleeps after an empty poll. FastStream's own batch fetch waits
`batch_timeout_ms` (200) for records and, finding none, sleeps as long again, so the first
record after a quiet spell (the opening of registration, or any sign-up on a quiet day) waited
up to 200 ms more at every consumer hop: the first 300 ms of sign-ups of the benchmark's
fixed-rate phase took 300-400 ms where the rest took ~60.

A poll that hands out nothing may still have moved the consumer's position: past the marker
(control record) that ends another system's transaction, or past a whole aborted transaction
and its marker (read_committed). FastStream commits only with a batch, so the group's offset
stayed behind them until the next record came, and the lag monitor showed that as lag: one
record behind a batch capped right before a marker, an aborted transaction's records + 1 after
it. Such a poll commits the positions it moved: nothing is in flight then (the consume loop
acks or nacks a batch before it fetches again), so offsets still cover only handled records.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from itertools import chain
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from tilmeld_runtime import metrics
from tilmeld_runtime.fetch_hold import FetchHold, hold_fetches
from tilmeld_runtime.pipeline import Record

log = logging.getLogger(__name__)


class Pace:
    """At most `per_second` records taken in on average: after a batch of n records the next
    fetch waits until n / per_second seconds after this one. Only a consumer that is behind
    ever waits (a consumer that keeps up fetches small batches further apart than that).

    For consumers off the decision path (the notification service's facts): in a rush they
    leave the CPU and the database to the seat decisions and catch up afterwards, from their
    Kafka backlog, instead of filling a queue of their own faster than it drains."""

    def __init__(
        self,
        per_second: float,
        topic: str,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("a pace needs a positive rate")
        self.per_second = per_second
        self._clock, self._sleep = clock, sleep
        self._next_fetch = 0.0
        # Exported from the start (at 0), so a dashboard's rate() has a series before a rush.
        self._waited = metrics.INTAKE_PACED_SECONDS.labels(topic)

    async def wait(self) -> None:
        """Before a fetch: wait out what the previous batches have used of the rate."""
        delay = self._next_fetch - self._clock()
        if delay > 0:
            self._waited.inc(delay)
            await self._sleep(delay)

    def took(self, count: int) -> None:
        """After a fetch that handed out `count` records."""
        self._next_fetch = max(self._next_fetch, self._clock()) + count / self.per_second


def fetch_into(
    subscriber: Any,
    max_records: int,
    wait_ms: int,
    gather_ms: int,
    pace: Pace | None = None,
    hold: FetchHold | None = None,
) -> None:
    """Make a FastStream batch subscriber fetch its batches here (its `get_msg`, which the
    consume loop calls for every batch): wait up to `wait_ms` for records, top them up, and
    poll again at once when none came; with a `pace`, no faster than it allows; with a `hold`,
    the broker holds the consumer's fetches as fetch_hold.py says."""
    faststream_fetch = subscriber.get_msg

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[Record, ...]:
        if not isinstance(consumer, AIOKafkaConsumer):  # FastStream's in-memory test broker
            stand_in: tuple[Record, ...] = await faststream_fetch(consumer)
            return stand_in
        if hold is not None:  # the consumer exists once the subscriber started; once is enough
            hold_fetches(consumer, hold.idle_ms, hold.behind_ms)
        if pace is not None:
            await pace.wait()
        records = await _fetch_batch(consumer)
        if pace is not None:
            pace.took(len(records))
        return records

    async def _fetch_batch(consumer: AIOKafkaConsumer) -> tuple[Record, ...]:
        before = _positions(consumer)
        records = await fetch(consumer, max_records, wait_ms)
        if not records:
            await _commit_passed_over(consumer, before)
            return records
        return records + await top_up(consumer, max_records - len(records), gather_ms)

    subscriber.get_msg = get_msg


async def fetch(consumer: AIOKafkaConsumer, max_records: int, wait_ms: int) -> tuple[Record, ...]:
    """What the consumer has or receives within `wait_ms`. A poll that comes back empty early
    (a consumer closing or between assignments) waits out the rest, so the loop never spins."""
    started = time.monotonic()
    fetched = await consumer.getmany(timeout_ms=wait_ms, max_records=max_records)
    records = tuple(chain.from_iterable(fetched.values()))
    if not records:
        rest = wait_ms / 1000 - (time.monotonic() - started)
        if rest > 0:
            await asyncio.sleep(rest)
    return records


def _positions(consumer: AIOKafkaConsumer) -> dict[TopicPartition, int]:
    """The consumer's position in each assigned partition that has one: what its `commit()`
    (FastStream's ack) commits. aiokafka has no public accessor that does not wait for a
    position."""
    subscription = consumer._subscription.subscription
    assignment = subscription.assignment if subscription is not None else None
    if assignment is None:
        return {}
    return {tp: meta.offset for tp, meta in assignment.all_consumed_offsets().items()}


async def _commit_passed_over(
    consumer: AIOKafkaConsumer, before: dict[TopicPartition, int]
) -> None:
    """Commit the positions an empty poll moved forward (or set, on a partition just assigned):
    it handed nothing out, so it passed over control records and aborted records only."""
    if consumer._group_id is None:  # assigned by hand (tests): nothing to commit to
        return
    moved = {
        tp: position
        for tp, position in _positions(consumer).items()
        if tp not in before or position > before[tp]
    }
    if not moved:
        return
    try:
        await consumer.commit(moved)
    except Exception:  # a rebalance or broker error: the next batch's commit covers it
        log.warning("committing offsets past control records failed", exc_info=True)


async def top_up(consumer: object, room: int, gather_ms: int) -> tuple[Record, ...]:
    """Records fetched within `gather_ms`, at most `room`; none from a stand-in consumer
    (FastStream's in-memory test broker)."""
    if room <= 0 or gather_ms <= 0 or not isinstance(consumer, AIOKafkaConsumer):
        return ()
    try:
        fetched = await consumer.getmany(timeout_ms=gather_ms, max_records=room)
    except Exception:  # raised before handing anything out: the batch goes on as it is
        log.warning("topping up a batch failed; handling it as fetched", exc_info=True)
        return ()
    return tuple(record for records in fetched.values() for record in records)
