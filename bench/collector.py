"""Reads the last topic of a path in its own process, so that receiving is never delayed by
the producer sharing an event loop; stamps each record when it arrives."""

import asyncio
import contextlib
import multiprocessing
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

SETTLE_SECONDS = 1.0  # keep reading this long after the last expected id: duplicates show up


@dataclass(frozen=True, slots=True)
class Watch:
    bootstrap: str
    topic: str
    key: str
    id_path: tuple[str, ...]  # where a record names its request: ("data", "request_id")
    type_prefix: str  # records of other types (e.g. organisation.enrolled) do not count
    expected: int


Arrival = tuple[float, bytes]  # (receive time, record value)


class Collector:
    def __init__(self, watch: Watch) -> None:
        context = multiprocessing.get_context("spawn")
        self._ready, self._stop = context.Event(), context.Event()
        self.seen: Synchronized[int] = context.Value("i", 0)
        self._results, sender = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_main, args=(watch, self._ready, self._stop, self.seen, sender), daemon=True
        )

    async def start(self, timeout: float = 60.0) -> None:
        """Returns once the reader sits at the topic's end: everything after counts."""
        self._process.start()
        if not await asyncio.to_thread(self._ready.wait, timeout):
            self._process.kill()
            raise RuntimeError(f"collector not ready after {timeout}s")

    async def finish(self, stall_timeout: float) -> list[Arrival]:
        """Waits until every expected request was seen, or nothing new came for
        `stall_timeout` seconds; returns all arrivals in order."""
        last_seen, last_change = -1, time.monotonic()
        while not self._results.poll():
            if self.seen.value != last_seen:
                last_seen, last_change = self.seen.value, time.monotonic()
            elif time.monotonic() - last_change > stall_timeout:
                self._stop.set()
            await asyncio.sleep(0.1)
        arrivals: list[Arrival] = await asyncio.to_thread(self._results.recv)
        await asyncio.to_thread(self._process.join, 10)
        return arrivals


def request_id(value: bytes, watch: Watch) -> str | None:
    with contextlib.suppress(orjson.JSONDecodeError):
        event = orjson.loads(value)
        if not str(event.get("type", "")).startswith(watch.type_prefix):
            return None
        found: Any = event
        for step in watch.id_path:
            found = found.get(step) if isinstance(found, dict) else None
        return found if isinstance(found, str) else None
    return None


def _main(
    watch: Watch, ready: Event, stop: Event, seen: "Synchronized[int]", out: Connection
) -> None:
    out.send(asyncio.run(_collect(watch, ready, stop, seen)))


async def _collect(
    watch: Watch, ready: Event, stop: Event, seen: "Synchronized[int]"
) -> list[Arrival]:
    consumer = AIOKafkaConsumer(bootstrap_servers=watch.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(watch.topic, p) for p in await _partitions(watch)]
        consumer.assign(partitions)
        for partition, offset in (await consumer.end_offsets(partitions)).items():
            consumer.seek(partition, offset)
        ready.set()
        arrivals: list[Arrival] = []
        ids: set[str] = set()
        key, complete_at = watch.key.encode(), None
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=100)
            now = time.time()
            for records in batches.values():
                for record in records:
                    if record.key == key and record.value is not None:
                        arrivals.append((now, record.value))
                        if (rid := request_id(record.value, watch)) is not None:
                            ids.add(rid)
            seen.value = len(ids)
            if complete_at is None and len(ids) >= watch.expected:
                complete_at = time.monotonic()
            if complete_at is not None and time.monotonic() - complete_at > SETTLE_SECONDS:
                break
        return arrivals
    finally:
        await consumer.stop()


async def _partitions(watch: Watch) -> list[int]:
    # A consumer only learns metadata of topics it subscribes to; a producer asks for any.
    producer = AIOKafkaProducer(bootstrap_servers=watch.bootstrap)
    await producer.start()
    try:
        return sorted(await producer.partitions_for(watch.topic))
    finally:
        await producer.stop()
