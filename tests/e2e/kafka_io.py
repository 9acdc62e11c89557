"""Talking to the real broker the way an outside system does: produce CloudEvents, and read
what Tilmeld publishes from the moment a test starts."""

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

BOOTSTRAP = "127.0.0.1:9092"


def cloudevent(
    type_: str,
    data: Any,
    *,
    source: str = "urn:kl:website",
    id_: str | None = None,
    subject: str | None = None,
) -> dict[str, Any]:
    event = {
        "specversion": "1.0",
        "id": id_ or str(uuid.uuid4()),
        "source": source,
        "type": type_,
        "time": datetime.now(UTC).isoformat(),
        "data": data,
        "datacontenttype": "application/json",
    }
    if subject:
        event["subject"] = subject
    return event


class Producer:
    def __init__(self) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True
        )

    async def __aenter__(self) -> "Producer":
        await self._producer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._producer.stop()

    async def send(
        self,
        topic: str,
        key: str,
        value: bytes | dict[str, Any],
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        raw = value if isinstance(value, bytes) else orjson.dumps(value)
        if headers is None and isinstance(value, dict):
            headers = [("content-type", b"application/cloudevents+json")]
        await self._producer.send_and_wait(topic, raw, key=key.encode(), headers=headers or [])


async def partitions_of(topic: str) -> list[int]:
    # A consumer only learns metadata of topics it subscribes to; a producer asks for any.
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP)
    await producer.start()
    try:
        return sorted(await producer.partitions_for(topic))
    finally:
        await producer.stop()


@dataclass
class Tail:
    """Every record published on `topic` after `start()`, in arrival order."""

    topic: str
    records: list[ConsumerRecord[bytes, bytes]] = field(default_factory=list)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> "Tail":
        self._consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False)
        await self._consumer.start()
        tps = [TopicPartition(self.topic, p) for p in await partitions_of(self.topic)]
        self._consumer.assign(tps)
        for tp, offset in (await self._consumer.end_offsets(tps)).items():
            self._consumer.seek(tp, offset)
        self._task = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self._consumer is not None
        async for record in self._consumer:
            self.records.append(record)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()

    def events(self, key: str) -> list[dict[str, Any]]:
        """The CloudEvents published with this key (an event id), in order."""
        return [orjson.loads(r.value) for r in self.records if r.key == key.encode()]

    def with_key(self, key: str) -> list[ConsumerRecord[bytes, bytes]]:
        return [r for r in self.records if r.key == key.encode()]


async def eventually(check: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    """Wait for a condition rather than sleeping a guessed time."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")
        await asyncio.sleep(0.05)
