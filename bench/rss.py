"""Resident memory of the services during the rush: /proc/<pid>/status VmRSS once a second."""

import asyncio
import contextlib
from pathlib import Path

from bench.config import ROOT, SERVICES


def pids_from_run_state(state: Path = ROOT / ".run" / "pids") -> dict[str, int]:
    """The services `make run` started (deploy/local/services.sh writes their pids)."""
    return {name: pid for name in SERVICES if (pid := pid_from_run_state(state, name)) is not None}


def pid_from_run_state(state: Path, name: str) -> int | None:
    """A pid deploy/local writes under .run/pids (the services, `kafka` for the broker)."""
    with contextlib.suppress(OSError, ValueError):
        return int((state / f"{name}.pid").read_text().strip())
    return None


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class RssSampler:
    def __init__(self, pids: dict[str, int]) -> None:
        self._pids = pids
        self.max_mb: dict[str, float] = {}
        self.now_mb: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def sample(self) -> None:
        for name, pid in self._pids.items():
            value = rss_mb(pid)
            if value is not None:
                self.now_mb[name] = value
                self.max_mb[name] = max(self.max_mb.get(name, 0.0), value)

    def line(self) -> str:
        return "RSS " + ", ".join(f"{n} {mb:.0f} MB" for n, mb in self.now_mb.items())

    async def _run(self) -> None:
        while True:
            self.sample()
            await asyncio.sleep(1.0)
