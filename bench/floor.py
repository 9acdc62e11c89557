"""The floor baseline: the same records through the same number of Kafka hops as Tilmeld (4),
relayed by three aiokafka processes without a database, on scratch topics with the same
partition count. Produce → arrival on the last hop is what the broker and the Python client
allow at best on this machine."""

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from bench.collector import Watch
from bench.config import Config
from bench.floor_relay import start_relay
from bench.phase import Measured, measure
from bench.progress import Progress

HOPS = 4
PARTITIONS = 6  # as tilmeld.signups and the internal topics (deploy/local/topics.txt)


async def run_floor(
    config: Config,
    phases: Sequence[tuple[str, str, Sequence[tuple[str, bytes]], float | None]],
    progress: Progress,
) -> list[Measured]:
    """`phases`: (label, record key, records, rate or None for a burst), run one after another
    through the same relays."""
    run = uuid.uuid4().hex[:8]
    names = [f"bench.floor.{run}.hop{i}" for i in range(1, HOPS + 1)]
    results = []
    async with _scratch_topics(config.bootstrap, names), _relays(config.bootstrap, names):
        for label, key, records, rate in phases:
            watch = Watch(config.bootstrap, names[-1], key, ("id",), "dk.tilmeld.", len(records))
            results.append(
                await measure(
                    label,
                    names[0],
                    records,
                    watch,
                    progress,
                    rate=rate,
                    stall_timeout=config.stall_timeout,
                )
            )
    return results


def floor_summary(measured: Measured) -> dict[str, Any]:
    arrived = [value for _, value in measured.arrivals]
    return measured.summary() | {
        "hops": HOPS,
        "missing": len(measured.sent) - len(measured.first_arrivals()),
        "duplicates": len(arrived) - len(set(arrived)),
    }


@contextlib.asynccontextmanager
async def _scratch_topics(bootstrap: str, names: list[str]) -> AsyncIterator[None]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="tilmeld-bench")
    await admin.start()
    try:
        await admin.create_topics(
            [NewTopic(name, PARTITIONS, 1) for name in names], timeout_ms=30_000
        )
        yield
    finally:
        with contextlib.suppress(Exception):
            await admin.delete_topics(names, timeout_ms=30_000)
        await admin.close()


@contextlib.asynccontextmanager
async def _relays(bootstrap: str, names: list[str]) -> AsyncIterator[None]:
    relays = [start_relay(bootstrap, src, dst) for src, dst in itertools.pairwise(names)]
    try:
        for process, ready, _ in relays:
            if not await asyncio.to_thread(ready.wait, 60):
                raise RuntimeError(f"floor relay {process.pid} not ready after 60s")
        yield
    finally:
        for _, _, stop in relays:
            stop.set()
        for process, _, _ in relays:
            await asyncio.to_thread(process.join, 10)
            if process.is_alive():
                process.kill()
