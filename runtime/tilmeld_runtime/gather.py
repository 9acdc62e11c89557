"""Topping up a consumer's batch with what arrived while the previous batch was handled.

aiokafka fetches ahead: the fetch for a partition is sent when its buffered records are handed
out, i.e. at the START of a batch, and what it brings waits in the buffer until that batch is
done. So a record that arrives just after the fetch was answered waits for the rest of this
batch, the whole next one, and only then starts: on average one and a half batch durations per
consumer hop (at 1,000 sign-ups/s registration's batches take ~18 ms: ~27 ms of waiting).

Handing out the buffer sends the next fetch at once; waiting a moment for its answer
(`gather_ms`, about one round trip to the broker) before the transaction starts puts everything
that arrived meanwhile into this batch: ~9 ms of waiting on average. A full batch is not topped
up, so a rush pays nothing; a quiet topic pays at most `gather_ms` per batch.

The top-up happens inside the subscriber's fetch (`gather_into`), before FastStream sees the
batch: its metrics count every record, its nack rewinds every partition of the batch (top-up
included), and its commit covers exactly the records handled. Per-partition order is kept: a
partition's top-up follows its records in the batch.
"""

import logging
from typing import Any

from aiokafka import AIOKafkaConsumer

from tilmeld_runtime.pipeline import Record

log = logging.getLogger(__name__)


def gather_into(subscriber: Any, max_records: int, gather_ms: int) -> None:
    """Make a FastStream batch subscriber top up each batch it fetches (its `get_msg`, which
    the consume loop calls for every batch)."""
    fetch = subscriber.get_msg

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[Record, ...]:
        records: tuple[Record, ...] = await fetch(consumer)
        if not records:
            return records
        return records + await top_up(consumer, max_records - len(records), gather_ms)

    subscriber.get_msg = get_msg


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
