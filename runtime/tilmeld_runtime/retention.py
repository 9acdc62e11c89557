"""Inbox retention: forget inputs handled longer ago than any copy of them can still arrive.

The inbox gets one row per input and would grow forever (2.2 million rows in registration after
a day of benchmark runs; the primary key's index then no longer fits the cache and every input's
claim slows down). A copy of an input can arrive again only while it is still on its topic: a
redelivery, or a replay from the earliest offset when a consumer group's committed offsets have
expired (Kafka keeps them 7 days for a group without members). A record stays on its topic for
the topic's retention (7 days here) plus up to one segment roll (7 more). So the inbox keeps
rows for 30 days by default, comfortably longer; a producer that retries a sign-up after that
is no longer recognised as a duplicate by the inbox (registration ids are derived from the
CloudEvents source+id, so the registration itself would not be created twice).
"""

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg
from prometheus_client import Counter

from tilmeld_runtime.background import BackgroundLoop

log = logging.getLogger(__name__)

PRUNED = Counter("tilmeld_inbox_pruned_total", "Inbox rows deleted by the retention job")

# By ctid, in chunks: each chunk is a short transaction, so a large first clean-up (an install
# that ran for months without retention) neither holds locks long nor writes one huge WAL burst.
_PRUNE_CHUNK = """
DELETE FROM inbox WHERE ctid = ANY(ARRAY(
    SELECT ctid FROM inbox WHERE received_at < $1 LIMIT $2
))
"""


async def prune_inbox(conn: asyncpg.Connection, older_than: datetime, chunk: int = 10_000) -> int:
    """Delete inbox rows received before `older_than`; returns how many."""
    deleted = 0
    while True:
        status = await conn.execute(_PRUNE_CHUNK, older_than, chunk)
        count = int(status.split()[-1])
        deleted += count
        PRUNED.inc(count)
        if count < chunk:
            return deleted


class InboxRetention(BackgroundLoop):
    """Prunes the inbox shortly after start and then every `every_seconds`."""

    task_name = "inbox-retention"

    def __init__(
        self,
        pool: asyncpg.Pool,
        keep: timedelta,
        *,
        every_seconds: float = 3600.0,
        first_after_seconds: float = 60.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self._pool, self._keep, self._clock = pool, keep, clock
        self._every, self._first_after = every_seconds, first_after_seconds

    async def _run(self) -> None:
        await asyncio.sleep(self._first_after)  # not while the service is starting up
        while True:
            try:
                started = time.monotonic()
                async with self._pool.acquire() as conn:
                    deleted = await prune_inbox(conn, self._clock() - self._keep)
                if deleted:
                    log.info(
                        "inbox: deleted %d rows older than %s (%.1f s)",
                        deleted,
                        self._keep,
                        time.monotonic() - started,
                    )
            except Exception:  # housekeeping: never take the service down, try again later
                log.exception("inbox retention failed")
            await asyncio.sleep(self._every)
