"""The garbage collector of a long-running service process.

CPython's defaults (a young collection every 700 allocations, a full one after every ten of the
middle generation) suit short scripts. During a rush a service allocates each batch's objects
(records, CloudEvents, pydantic models, rows) and keeps them across a few awaits, so many
survive a young collection and move up; the full collections that follow walk every object in
the process, the whole import graph (modules, classes, pydantic's validators) included. In a
bench run registration made ~20 full collections of 70–150 ms and capacity ~9 of up to 270 ms:
CPU and pauses on the decision path (bench/RESULTS.md, fifth round).

After start-up every service collects once and freezes what is left (`gc.freeze()`: start-up's
objects are never garbage and are not walked again). Measured: full collections in registration
took 19 ms on average instead of 63, and the rush decided 14 % more sign-ups per second with the
same memory. `TILMELD_GC_THRESHOLDS` sets the collection thresholds (CPython's 700, 10, 10 by
default: raising the first to 10,000–20,000 saved little more and cost 30–70 MB of memory).
`tilmeld_gc_pause_seconds` shows what the collector still costs.
"""

import gc
import time
from typing import Any

from prometheus_client import Histogram

PAUSES = Histogram(
    "tilmeld_gc_pause_seconds",
    "Garbage collector pauses, by generation",
    ["generation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
_started: list[float] = []


def _time_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append(time.perf_counter())
    elif _started:
        PAUSES.labels(str(info["generation"])).observe(time.perf_counter() - _started.pop())


def observe_pauses() -> None:
    """Time every collection into tilmeld_gc_pause_seconds (once per process)."""
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)


def settle_after_startup(thresholds: tuple[int, int, int]) -> None:
    """Collect start-up's garbage, freeze the rest, then collect by `thresholds`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
