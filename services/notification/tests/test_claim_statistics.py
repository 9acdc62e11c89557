"""The mailer keeps the planner's picture of mail_jobs current: after a rush's worth of new jobs
it analyses the table, and the claim then looks a person's earlier jobs up by registration."""

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from notification.adapters import jobs_table, new_jobs


def _jobs(n: int) -> list[new_jobs.NewJob]:
    return [
        new_jobs.NewJob(
            id=uuid.uuid4(),
            fact_source="urn:test",
            fact_id=f"fact-{i}",
            fact_type="dk.tilmeld.registration.rejected.v1",
            template="rejected",
            event_id="e1",
            registration_id=f"r-{i}",
            recipient=f"a{i}@b.dk",
            fact={},
        )
        for i in range(n)
    ]


async def _analysed_within(conn: asyncpg.Connection, changed_rows: int, seconds: float) -> bool:
    # Row counts reach pg_stat_user_tables within about a second of the commit.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await jobs_table.refresh_statistics_if_stale(conn, changed_rows):
            return True
        await asyncio.sleep(0.1)
    return False


async def test_mail_jobs_is_analysed_once_enough_rows_changed(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await conn.execute("ANALYZE mail_jobs")
        await new_jobs.insert_many(conn, _jobs(300))
        assert not await _analysed_within(conn, 1_000, 1.5), "300 changed rows: not yet"
        assert await _analysed_within(conn, 200, 5.0)
        assert await conn.fetchval(
            "SELECT reltuples FROM pg_class WHERE oid = 'mail_jobs'::regclass"
        ) == pytest.approx(300, rel=0.05)
        assert not await jobs_table.refresh_statistics_if_stale(conn, 200), "counter starts over"


async def test_with_fresh_statistics_the_claim_looks_up_by_registration(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(3_000))
        assert await _analysed_within(conn, 1_000, 5.0)
        plan = "\n".join(
            r[0] for r in await conn.fetch("EXPLAIN " + jobs_table._CLAIM_NEXT, datetime.now(UTC))
        )
        assert "mail_jobs_pending_by_registration" in plan, plan


async def test_the_mailer_does_not_wait_while_autovacuum_holds_the_table(db: asyncpg.Pool) -> None:
    async with db.acquire() as holder, db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(300))
        async with holder.transaction():
            # What autovacuum's ANALYZE takes.
            await holder.execute("LOCK TABLE mail_jobs IN SHARE UPDATE EXCLUSIVE MODE")
            started = time.monotonic()
            assert not await _analysed_within(conn, 200, 2.0)
            assert time.monotonic() - started < 3.0
        assert await _analysed_within(conn, 200, 5.0), "once the table is free"
