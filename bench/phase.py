"""One measured phase: produce a set of records into the first topic of a path (in a burst or
at a fixed rate) and stamp when each request's result arrives at the end of the path."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.collector import Arrival, Collector, Watch, request_id
from bench.cpu import CpuMeter
from bench.kafka_io import Sender, producer
from bench.progress import Progress
from bench.stats import per_second, summarise


@dataclass(frozen=True, slots=True)
class Measured:
    sent: dict[str, float]  # request id → time just before it was produced
    arrivals: list[Arrival]  # every record with the event's key at the end, in order
    watch: Watch
    cpu: dict[str, Any]  # CPU seconds per watched process, machine busy share

    def first_arrivals(self) -> dict[str, float]:
        decided: dict[str, float] = {}
        for received, value in self.arrivals:
            rid = request_id(value, self.watch)
            if rid is not None and rid in self.sent:
                decided.setdefault(rid, received)
        return decided

    def summary(self, by_second: bool = False) -> dict[str, Any]:
        decided = self.first_arrivals()
        extra = {"per_second": per_second(self.sent, decided)} if by_second else {}
        return summarise(self.sent, decided) | {"cpu": self.cpu} | extra


async def measure(
    label: str,
    source_topic: str,
    records: Sequence[tuple[str, bytes]],
    watch: Watch,
    progress: Progress,
    *,
    rate: float | None = None,
    stall_timeout: float = 60.0,
    pids: dict[str, int] | None = None,
    kafka_pid: int | None = None,
) -> Measured:
    collector = Collector(watch)
    await collector.start()
    cpu = CpuMeter(pids or {}, kafka_pid)
    cpu.start()
    client = producer(watch.bootstrap)
    await client.start()
    try:
        sender = Sender(client, source_topic, watch.key)
        progress.track(label, len(records), lambda: len(sender.sent), lambda: collector.seen.value)
        if rate is None:
            await sender.burst(records)
        else:
            await sender.at_rate(records, rate)
    finally:
        await client.stop()
    arrivals = await collector.finish(stall_timeout)
    await progress.stop()
    return Measured(sender.sent, arrivals, watch, cpu.stop())
