"""A progress line every second while a phase runs, so a long rush is visibly alive."""

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable


class Progress:
    def __init__(self) -> None:
        self._label, self._total = "", 0
        self._produced: Callable[[], int] = lambda: 0
        self._decided: Callable[[], int] = lambda: 0
        self._started = time.monotonic()
        self.extra: Callable[[], str] = lambda: ""
        self._task: asyncio.Task[None] | None = None

    def say(self, text: str) -> None:
        print(f"==> {text}", file=sys.stderr, flush=True)

    def track(
        self, label: str, total: int, produced: Callable[[], int], decided: Callable[[], int]
    ) -> None:
        self._label, self._total = label, total
        self._produced, self._decided = produced, decided
        self._started = time.monotonic()
        if self._task is None:
            self._task = asyncio.create_task(self._report())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _report(self) -> None:
        last = 0
        while True:
            await asyncio.sleep(1.0)
            decided = self._decided()
            elapsed = time.monotonic() - self._started
            extra = self.extra()
            print(
                f"    [{self._label}] {elapsed:5.1f}s  produced {self._produced()}/{self._total}"
                f"  decided {decided} (+{decided - last}/s){'  ' + extra if extra else ''}",
                file=sys.stderr,
                flush=True,
            )
            last = decided
