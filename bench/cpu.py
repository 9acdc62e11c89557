"""Where the CPU went during a phase: seconds used by each service process, and how busy the
whole machine was (2 shared cores: a busy machine is a finding, too)."""

import os
from pathlib import Path
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces; fields from `state`
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime + stime


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self._start: dict[str, float] = {}
        self._machine = (0, 0)

    def start(self) -> None:
        self._start = {n: v for n, p in self._pids.items() if (v := process_cpu_s(p)) is not None}
        self._machine = machine_ticks()

    def stop(self) -> dict[str, Any]:
        busy, total = machine_ticks()
        spent = {
            name: round(now - self._start[name], 2)
            for name, pid in self._pids.items()
            if name in self._start and (now := process_cpu_s(pid)) is not None
        }
        elapsed = total - self._machine[1]
        share = (busy - self._machine[0]) / elapsed if elapsed else None
        return {
            "cpu_s": spent,
            "machine_busy_pct": None if share is None else round(100 * share, 1),
        }
