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

Per-partition order is kept (the top-up of a partition follows its records in the batch), and
the offsets committed after the batch cover exactly the records handled. FastStream's nack
rewinds only the partitions of the records it handed us, so on failure `rewind` puts back the
top-up's partitions too: nothing is committed past a record that was not handled.
"""

from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition

from tilmeld_runtime.pipeline import Record


async def top_up(consumer: object, room: int, gather_ms: int) -> tuple[Record, ...]:
    """Records fetched within `gather_ms`, at most `room`; none from a stand-in consumer
    (FastStream's in-memory test broker)."""
    if room <= 0 or gather_ms <= 0 or not isinstance(consumer, AIOKafkaConsumer):
        return ()
    fetched = await consumer.getmany(timeout_ms=gather_ms, max_records=room)
    return tuple(record for records in fetched.values() for record in records)


def rewind(consumer: object, records: Sequence[Record]) -> None:
    """Seek each partition of `records` back to its earliest record among them."""
    if not isinstance(consumer, AIOKafkaConsumer):
        return
    earliest: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        earliest[partition] = min(record.offset, earliest.get(partition, record.offset))
    for partition, offset in earliest.items():
        consumer.seek(partition, offset)
