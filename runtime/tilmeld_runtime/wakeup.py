"""Wake-ups from PostgreSQL: LISTEN on one channel (NOTIFY'd by a trigger at commit) on a
connection of its own. Without it a waiting worker still wakes at its timeout, only later."""

import asyncio
import contextlib
import logging

import asyncpg

log = logging.getLogger(__name__)


class WakeSignal:
    def __init__(self, dsn: str, channel: str) -> None:
        self._dsn, self._channel = dsn, channel
        self._conn: asyncpg.Connection | None = None
        self._woken = asyncio.Event()
        self._connecting = asyncio.Lock()  # several workers may share one signal

    def set(self) -> None:
        self._woken.set()

    async def ensure_listening(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        async with self._connecting:
            await self._listen()

    async def _listen(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            return
        try:
            conn = await asyncpg.connect(self._dsn, timeout=5)
            await conn.add_listener(self._channel, lambda *_: self._woken.set())
        except (OSError, asyncpg.PostgresError, TimeoutError) as error:
            log.warning("cannot LISTEN on %s (%s); polling meanwhile", self._channel, error)
            return
        self._conn = conn
        self._woken.set()  # rows may have come while nobody listened

    async def wait(self, timeout: float) -> None:
        """Until NOTIFY, `set()` or `timeout` seconds, whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._woken.wait(), timeout)
        self._woken.clear()

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None
