"""Inbox retention on the real PostgreSQL: old inputs are forgotten, recent ones still dedupe."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from prometheus_client import REGISTRY

from tilmeld_runtime import inbox
from tilmeld_runtime.db import migrate
from tilmeld_runtime.retention import InboxRetention, prune_inbox

NO_MIGRATIONS = Path(__file__).parent / "no-migrations"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


async def _received(conn: asyncpg.Connection, ids: range, at: datetime) -> None:
    await conn.execute(
        "INSERT INTO inbox (source, id, topic, received_at)"
        " SELECT 'web', 'e' || i, 'tilmeld.signups', $2 FROM generate_series($1::int, $3::int) i",
        ids.start,
        at,
        ids.stop - 1,
    )


def _pruned_so_far() -> float:
    return REGISTRY.get_sample_value("tilmeld_inbox_pruned_total") or 0.0


async def test_rows_older_than_the_cut_go_in_chunks_and_recent_ones_stay(
    pool: asyncpg.Pool,
) -> None:
    await migrate(pool, NO_MIGRATIONS)
    async with pool.acquire() as conn:
        await _received(conn, range(0, 2_500), NOW - timedelta(days=40))
        await _received(conn, range(2_500, 2_600), NOW - timedelta(days=29))
        counted_before = _pruned_so_far()

        deleted = await prune_inbox(conn, NOW - timedelta(days=30), chunk=1_000)

        assert deleted == 2_500
        assert _pruned_so_far() - counted_before == 2_500
        assert await conn.fetchval("SELECT count(*) FROM inbox") == 100
        # A recent input is still recognised as a duplicate; a forgotten one is new again.
        assert not await inbox.claim(conn, "web", "e2500", "tilmeld.signups")
        assert await inbox.claim(conn, "web", "e0", "tilmeld.signups")
        assert await prune_inbox(conn, NOW - timedelta(days=30)) == 0


async def test_the_worker_prunes_in_the_background_and_stops(pool: asyncpg.Pool) -> None:
    await migrate(pool, NO_MIGRATIONS)
    async with pool.acquire() as conn:
        await _received(conn, range(0, 50), NOW - timedelta(days=2))
        await _received(conn, range(50, 60), NOW - timedelta(hours=1))
    worker = InboxRetention(
        pool, timedelta(days=1), every_seconds=0.1, first_after_seconds=0, clock=lambda: NOW
    )
    await worker.start()
    try:
        deadline = time.monotonic() + 5
        while await pool.fetchval("SELECT count(*) FROM inbox") != 10:
            assert time.monotonic() < deadline, "the inbox was never pruned"
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    assert worker._task is not None and worker._task.done()
