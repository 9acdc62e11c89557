"""Where the CPU went during a phase: seconds used by each service process, by the broker, by
all PostgreSQL processes together and by the bench itself, and how busy the whole machine was
(2 shared cores: a busy machine is a finding, too)."""

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


def postgres_cpu_s() -> float:
    """CPU seconds of every process named `postgres` (postmaster, backends, background workers).
    A backend that ended during a phase takes its seconds with it: the pools keep theirs."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
        except OSError:
            continue
        total += process_cpu_s(int(entry.name)) or 0.0
    return total


def _infra_cpu_s(kafka_pid: int | None) -> dict[str, float]:
    found = {"postgres": postgres_cpu_s(), "bench": process_cpu_s(os.getpid()) or 0.0}
    if kafka_pid is not None and (broker := process_cpu_s(kafka_pid)) is not None:
        found["kafka"] = broker
    return found


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all CPUs since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    def __init__(self, pids: dict[str, int], kafka_pid: int | None = None) -> None:
        self._pids = pids
        self._kafka_pid = kafka_pid
        self._start: dict[str, float] = {}
        self._infra: dict[str, float] = {}
        self._machine = (0, 0)

    def start(self) -> None:
        self._start = {n: v for n, p in self._pids.items() if (v := process_cpu_s(p)) is not None}
        self._infra = _infra_cpu_s(self._kafka_pid)
        self._machine = machine_ticks()

    def stop(self) -> dict[str, Any]:
        busy, total = machine_ticks()
        spent = {
            name: round(now - self._start[name], 2)
            for name, pid in self._pids.items()
            if name in self._start and (now := process_cpu_s(pid)) is not None
        }
        infra = _infra_cpu_s(self._kafka_pid)
        # The broker, PostgreSQL and the bench's own process (producer, reader) share the cores.
        spent |= {n: round(v - self._infra[n], 2) for n, v in infra.items() if n in self._infra}
        elapsed = total - self._machine[1]
        share = (busy - self._machine[0]) / elapsed if elapsed else None
        return {
            "cpu_s": spent,
            "machine_busy_pct": None if share is None else round(100 * share, 1),
        }
