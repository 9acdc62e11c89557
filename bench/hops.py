"""`python -m bench.hops`: where a phase's latency goes, hop by hop.

Reads back what the last run left on Kafka: the sign-ups of one event on `tilmeld.signups`,
the seat requests and decisions on the two internal topics, the outcome facts on
`tilmeld.registrations`. Every record carries the time its producer appended it (CreateTime),
and every event Tilmeld writes for a sign-up carries the sign-up's correlation id (its id,
unless the sender set one),
so each decided sign-up gives the time each hop took:

  sign-up hop    sign-up produced → its seat request produced (registration and its relay)
  capacity hop   seat request     → decision produced (capacity and its relay)
  decisions hop  decision         → outcome fact produced (registration's decisions, relay)

Sign-ups that registration answers itself (a quota rejection: one hop) have no chain and are
left out. The bench's own latency also counts its reader, which this does not.
"""

import argparse
import asyncio
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.config import Config
from bench.stats import percentile
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CORRELATION_ATTRIBUTE
from tilmeld_contracts.internal.bundle_v1 import events_in

HOPS = ("sign-up hop", "capacity hop", "decisions hop", "end to end")
_INTERNAL = (topics.CAPACITY_COMMANDS, topics.CAPACITY_DECISIONS, topics.REGISTRATIONS)


@dataclass
class Stamps:
    """Millisecond CreateTimes: sign-up id → (event key, time), and per later topic the first
    record carrying an event with that correlation id."""

    signups: dict[str, tuple[str, int]] = field(default_factory=dict)
    later: dict[str, dict[str, int]] = field(
        default_factory=lambda: {topic: {} for topic in _INTERNAL}
    )

    def add(self, topic: str, key: bytes | None, timestamp: int, value: bytes | None) -> None:
        try:
            record = orjson.loads(value or b"")
        except orjson.JSONDecodeError:
            return  # not a structured CloudEvent: nobody's sign-up
        if not isinstance(record, dict):
            return
        if topic == topics.SIGNUPS:
            # What Tilmeld passes on (observe.correlation_of): the sign-up's own correlation
            # id when the sender set one, else its id.
            correlation = record.get(CORRELATION_ATTRIBUTE) or record.get("id")
            if isinstance(correlation, str):
                event_key = (key or b"").decode(errors="replace")
                self.signups.setdefault(correlation, (event_key, timestamp))
            return
        for event in events_in(record):
            correlation = event.get(CORRELATION_ATTRIBUTE)
            if isinstance(correlation, str):
                self.later[topic].setdefault(correlation, timestamp)

    def latest_event(self) -> str | None:
        if not self.signups:
            return None
        return max(self.signups.values(), key=lambda kt: kt[1])[0]


def chains(stamps: Stamps, event_key: str) -> list[tuple[int, int, int, int]]:
    """Per decided sign-up of `event_key`: (sign-up hop, capacity hop, decisions hop, end to
    end) in milliseconds."""
    found = []
    for signup_id, (key, produced) in stamps.signups.items():
        if key != event_key:
            continue
        times = [stamps.later[topic].get(signup_id) for topic in _INTERNAL]
        if None in times:
            continue
        requested, decided, told = (t for t in times if t is not None)
        found.append((requested - produced, decided - requested, told - decided, told - produced))
    return found


def summary(found: Sequence[Sequence[int]]) -> list[dict[str, Any]]:
    """p50/p90/p99/max of each hop, and each hop's mean over the slowest 1 % end to end."""
    slowest = sorted(found, key=lambda chain: chain[3])[-max(1, len(found) // 100) :]
    rows = []
    for i, hop in enumerate(HOPS):
        values = sorted(float(chain[i]) for chain in found)
        rows.append(
            {
                "hop": hop,
                "p50_ms": percentile(values, 0.50),
                "p90_ms": percentile(values, 0.90),
                "p99_ms": percentile(values, 0.99),
                "max_ms": values[-1] if values else None,
                "slowest_1pct_mean_ms": (
                    round(sum(chain[i] for chain in slowest) / len(slowest)) if found else None
                ),
            }
        )
    return rows


async def read_stamps(bootstrap: str, since_s: float) -> Stamps:
    """Everything the four topics received in the last `since_s` seconds."""
    stamps = Stamps()
    partitions = await _partitions(bootstrap, [topics.SIGNUPS, *_INTERNAL])
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    await consumer.start()
    try:
        since = int((time.time() - since_s) * 1000)
        for topic in (topics.SIGNUPS, *_INTERNAL):
            parts = [tp for tp in partitions if tp.topic == topic]
            consumer.assign(parts)
            starts = await consumer.offsets_for_times(dict.fromkeys(parts, since))
            ends = await consumer.end_offsets(parts)
            for tp in parts:
                start = starts.get(tp)
                consumer.seek(tp, start.offset if start is not None else ends[tp])
            while await _behind(consumer, parts, ends):
                batches = await consumer.getmany(timeout_ms=500, max_records=5_000)
                for tp, records in batches.items():
                    for r in records:
                        stamps.add(tp.topic, r.key, r.timestamp, r.value)
    finally:
        await consumer.stop()
    return stamps


async def _partitions(bootstrap: str, names: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="tilmeld-bench-hops")
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], p["partition"])
        for topic in described
        for p in topic["partitions"]
    ]


async def _behind(
    consumer: AIOKafkaConsumer, parts: Iterable[TopicPartition], ends: Mapping[TopicPartition, int]
) -> bool:
    for tp in parts:
        if await consumer.position(tp) < ends[tp]:
            return True
    return False


def table(event_key: str, found: Sequence[Sequence[int]]) -> str:
    lines = [
        f"event {event_key}: {len(found)} sign-ups decided in three hops",
        f"{'':16}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'max ms':>9}{'slowest 1 %':>13}",
    ]
    for row in summary(found):
        lines.append(
            f"{row['hop']:16}"
            + "".join(
                f"{row[k]:>9.0f}" if row[k] is not None else f"{'-':>9}"
                for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")
            )
            + f"{row['slowest_1pct_mean_ms']:>13}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hops", description=__doc__.split("\n")[0])
    p.add_argument("--event", help="the event id (Kafka key); default: the latest sign-ups'")
    p.add_argument("--since", type=float, default=120.0, help="read back this many seconds")
    bootstrap = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", Config().bootstrap)
    p.add_argument("--bootstrap", default=bootstrap)
    a = p.parse_args(argv)
    stamps = asyncio.run(read_stamps(a.bootstrap, a.since))
    event_key = a.event or stamps.latest_event()
    if event_key is None:
        print(f"no sign-ups on {topics.SIGNUPS} in the last {a.since:.0f} s")
        return 1
    found = chains(stamps, event_key)
    if not found:
        print(f"no sign-up of event {event_key} was decided in three hops")
        return 1
    print(table(event_key, found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
