"""Fixtures for the CLI tests: the command runner, sample files, and a tail of a real Kafka
topic that starts at the end offsets taken before a test publishes (so reading is fast)."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import (  # type: ignore[import-untyped]
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from typer.testing import CliRunner, Result

from tilmeld_cli.main import app

BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")


@pytest.fixture
def tilmeld() -> Callable[..., Result]:
    """Run `tilmeld ARGS...` in-process; returns click's Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def write_file(text: str, name: str = "event.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


async def _partitions(topic: str) -> list[int]:
    # The producer's partitions_for is the public way to wait for a topic's metadata.
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=5000)
    await producer.start()
    try:
        return sorted(await producer.partitions_for(topic))
    finally:
        await producer.stop()


class Tail:
    """Reads one topic from the end offsets taken when it started."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, request_timeout_ms=5000
        )

    async def start(self) -> "Tail":
        await self._consumer.start()
        partitions = [TopicPartition(self.topic, p) for p in await _partitions(self.topic)]
        assert partitions, f"topic {self.topic} does not exist"
        ends = await self._consumer.end_offsets(partitions)
        self._consumer.assign(partitions)
        for partition, offset in ends.items():
            self._consumer.seek(partition, offset)
        return self

    async def find(self, ce_id: str, timeout: float = 10.0) -> ConsumerRecord[Any, Any]:
        """The record whose CloudEvents id is `ce_id` (structured mode: in the value)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            batches = await self._consumer.getmany(timeout_ms=200)
            for record in (r for batch in batches.values() for r in batch):
                if record.value and f'"id":"{ce_id}"'.encode() in record.value:
                    return record
        raise AssertionError(f"no record with CloudEvents id {ce_id} on {self.topic}")

    async def stop(self) -> None:
        await self._consumer.stop()


async def _broker_reachable() -> bool:
    probe = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, request_timeout_ms=3000)
    try:
        await asyncio.wait_for(probe.start(), 5)
    except (KafkaError, OSError, TimeoutError):
        return False
    await probe.stop()
    return True


@pytest.fixture
async def tail() -> AsyncIterator[Callable[[str], Any]]:
    if not await _broker_reachable():
        # `make test` starts the broker; a missing broker is a failure, never a silent skip.
        pytest.fail(f"Kafka is not reachable at {BOOTSTRAP} (bash deploy/local/infra.sh up)")
    started: list[Tail] = []

    async def start(topic: str) -> Tail:
        started.append(await Tail(topic).start())
        return started[-1]

    yield start
    for t in started:
        await t.stop()
