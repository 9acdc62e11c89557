"""One hop of the floor baseline, in its own process like one of Tilmeld's services: read a
topic, publish every record unchanged to the next one, wait for the broker's acks, go on.
No database, no parsing: what the broker and the Python client allow at best."""

import asyncio
import multiprocessing
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tilmeld_runtime.relay import PRODUCER_SETTINGS

Relay = tuple[BaseProcess, Event, Event]


def start_relay(bootstrap: str, source: str, target: str) -> Relay:
    """A started relay process and its (ready, stop) events."""
    context = multiprocessing.get_context("spawn")
    ready, stop = context.Event(), context.Event()
    process = context.Process(
        target=_main, args=(bootstrap, source, target, ready, stop), daemon=True
    )
    process.start()
    return process, ready, stop


def _main(bootstrap: str, source: str, target: str, ready: Event, stop: Event) -> None:
    asyncio.run(_relay(bootstrap, source, target, ready, stop))


async def _relay(bootstrap: str, source: str, target: str, ready: Event, stop: Event) -> None:
    # The same producer settings as Tilmeld's outbox relay.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **PRODUCER_SETTINGS)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await producer.start()
    await consumer.start()
    try:
        partitions = [TopicPartition(source, p) for p in await producer.partitions_for(source)]
        consumer.assign(partitions)
        for partition, offset in (await consumer.end_offsets(partitions)).items():
            consumer.seek(partition, offset)
        ready.set()
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100)
            acks = [
                await producer.send(target, r.value, key=r.key, headers=list(r.headers))
                for records in batches.values()
                for r in records
            ]
            await asyncio.gather(*acks)
    finally:
        await consumer.stop()
        await producer.stop()
