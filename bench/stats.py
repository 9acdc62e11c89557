"""Throughput and latency figures from per-request timestamps (seconds, same machine clock)."""

import math
from collections.abc import Sequence
from typing import Any

FIGURES = ("decided_per_s", "steady_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of values sorted ascending."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def summarise(sent: dict[str, float], decided: dict[str, float]) -> dict[str, Any]:
    """`sent`: request id → time just before it was produced (or issued); `decided`: request id
    → time its outcome was seen. Decided/s counts from the first send to the last decision."""
    matched = [rid for rid in sent if rid in decided]
    if not matched:
        return {"n": 0, "duration_s": None, "offered_per_s": None} | dict.fromkeys(FIGURES)
    latencies = sorted((decided[rid] - sent[rid]) * 1000 for rid in matched)
    first_sent, last_sent = min(sent.values()), max(sent.values())
    duration = max(decided[rid] for rid in matched) - first_sent
    sending = last_sent - first_sent
    return {
        "n": len(matched),
        "decided_per_s": round(len(matched) / duration, 1) if duration > 0 else None,
        "steady_per_s": _steady_rate(sorted(decided[rid] for rid in matched)),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(latencies[-1], 1),
        "duration_s": round(duration, 3),
        # How fast the requests went out: the producer's (or client's) own limit in a rush.
        "offered_per_s": round(len(sent) / sending, 1) if sending > 0 else None,
    }


def per_second(sent: dict[str, float], decided: dict[str, float]) -> list[dict[str, Any]]:
    """Latency by the second in which each request was produced, counted from the first: where
    in a fixed-rate phase the tail comes from (its start, or single bad seconds)."""
    if not sent:
        return []
    first_sent = min(sent.values())
    by_second: dict[int, list[float]] = {}
    for rid, at in sent.items():
        if rid in decided:
            by_second.setdefault(int(at - first_sent), []).append((decided[rid] - at) * 1000)
    seconds = []
    for second in sorted(by_second):
        latencies = sorted(by_second[second])
        seconds.append(
            {
                "second": second,
                "n": len(latencies),
                "p50_ms": round(percentile(latencies, 0.50), 1),
                "p99_ms": round(percentile(latencies, 0.99), 1),
                "max_ms": round(latencies[-1], 1),
            }
        )
    return seconds


def _steady_rate(times: list[float]) -> float | None:
    """Decisions per second between the first and the last tenth of them: the rate once the
    pipeline is full, without start-up and tail."""
    low, high = len(times) // 10, len(times) - 1 - len(times) // 10
    span = times[high] - times[low] if high > low else 0.0
    return round((high - low) / span, 1) if span > 0 else None
