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
same memory.

Then a young collection comes once allocations outnumber deallocations by 50,000, not 700.
A batch of 500 inputs keeps tens of thousands of objects alive until its commit, and CPython's
700 walked them again and again, though reference counting frees them all once the batch is
over (since `Tx.close`, which breaks the cycle that held each batch: without it, rarer
collections let capacity grow past 300 MB). Measured by CPU time (`tilmeld_gc_cpu_seconds_total`)
over a rush of 20,000 and 20 s at 1,000/s, the four services' collections took 0.07 s instead
of 2.89 s, with less memory than before (bench/RESULTS.md, eighteenth round).
`TILMELD_GC_THRESHOLDS` sets the thresholds. `tilmeld_gc_pause_seconds` is the pauses' wall
time, which on a busy machine includes waiting for a core.
"""

import gc
import time
from typing import Any

from prometheus_client import Counter, Histogram

PAUSES = Histogram(
    "tilmeld_gc_pause_seconds",
    "Garbage collector pauses, by generation",
    ["generation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
CPU = Counter(
    "tilmeld_gc_cpu_seconds",
    "CPU time the garbage collector used, by generation",
    ["generation"],
)
_started: list[tuple[float, float]] = []  # (wall, CPU) at each collection's start


def _time_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "start":
        _started.append((time.perf_counter(), time.thread_time()))
    elif _started:
        wall, cpu = _started.pop()
        generation = str(info["generation"])
        PAUSES.labels(generation).observe(time.perf_counter() - wall)
        CPU.labels(generation).inc(time.thread_time() - cpu)


def observe_pauses() -> None:
    """Time every collection into tilmeld_gc_pause_seconds (once per process)."""
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)


def settle_after_startup(thresholds: tuple[int, int, int]) -> None:
    """Collect start-up's garbage, freeze the rest, then collect by `thresholds`."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
