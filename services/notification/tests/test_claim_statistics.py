"""The mailer keeps the planner's picture of mail_jobs sound: when far more jobs are pending than
the planner believes (a rush on old statistics), it analyses the table, and the claim then looks
a person's earlier jobs up by registration."""

import time
import uuid
from datetime import UTC, datetime

import asyncpg
import orjson

from notification.adapters import jobs_table, new_jobs, registrations_table
from notification.domain.audience import Attendance
from tilmeld_runtime.testing import analysed_columns


def _jobs(n: int) -> list[new_jobs.NewJob]:
    return [
        new_jobs.NewJob(
            id=uuid.uuid4(),
            fact_source="urn:test",
            fact_id=f"fact-{uuid.uuid4()}",
            fact_type="dk.tilmeld.registration.rejected.v1",
            template="rejected",
            event_id="e1",
            registration_id=f"r-{i}",
            recipient=f"a{i}@b.dk",
            fact={},
        )
        for i in range(n)
    ]


async def _believed_pending(conn: asyncpg.Connection) -> float:
    plan = await conn.fetchval(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM mail_jobs WHERE status = 'pending'"
    )
    return float(orjson.loads(plan)[0]["Plan"]["Plan Rows"])


async def _claim_plan(conn: asyncpg.Connection) -> str:
    rows = await conn.fetch(
        "EXPLAIN " + jobs_table._CLAIM_NEXT, datetime.now(UTC), *jobs_table.FROM_THE_START, 1
    )
    return "\n".join(r[0] for r in rows)


async def test_a_backlog_the_planner_does_not_know_of_gets_the_table_analysed(
    db: asyncpg.Pool,
) -> None:
    async with db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(2_000))
        await conn.execute("UPDATE mail_jobs SET status = 'sent'")
        await conn.execute("ANALYZE mail_jobs")  # statistics from before the rush: none pending
        await new_jobs.insert_many(conn, _jobs(3_000))
        assert not await jobs_table.analyse_if_misjudged(conn, 3_000, margin=5_000), "in margin"
        assert await jobs_table.analyse_if_misjudged(conn, 3_000, margin=1_000)
        assert await _believed_pending(conn) > 2_000
        assert "mail_jobs_pending_by_registration" in await _claim_plan(conn)
        assert not await jobs_table.analyse_if_misjudged(conn, 3_000, margin=1_000), "known now"


async def test_believing_too_many_pending_is_left_alone(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(3_000))
        await conn.execute("ANALYZE mail_jobs")
        await conn.execute("UPDATE mail_jobs SET status = 'sent'")
        assert not await jobs_table.analyse_if_misjudged(conn, 0, margin=0)


async def test_the_mailer_does_not_wait_while_autovacuum_holds_the_table(db: asyncpg.Pool) -> None:
    async with db.acquire() as holder, db.acquire() as conn:
        await conn.execute("ANALYZE mail_jobs")
        await new_jobs.insert_many(conn, _jobs(3_000))
        async with holder.transaction():
            # What autovacuum's ANALYZE takes.
            await holder.execute("LOCK TABLE mail_jobs IN SHARE UPDATE EXCLUSIVE MODE")
            started = time.monotonic()
            assert not await jobs_table.analyse_if_misjudged(conn, 3_000, margin=1_000)
            assert time.monotonic() - started < 2.0
        assert await jobs_table.analyse_if_misjudged(conn, 3_000, margin=1_000), "table free"


async def test_analyse_leaves_the_payload_columns_out(db: asyncpg.Pool) -> None:
    """ANALYZE runs mid-rush: it summarises only the columns the claim's plan depends on."""
    async with db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(500))
        await conn.execute("ANALYZE mail_jobs")
        summarised = {
            row["attname"]
            for row in await conn.fetch(
                "SELECT attname FROM pg_stats WHERE schemaname = current_schema()"
                " AND tablename = 'mail_jobs'"
            )
        }
    assert {"status", "lane", "seq", "registration_id", "next_attempt_at"} <= summarised
    assert not summarised & {"fact", "context", "last_error", "message_id"}


async def test_analyse_samples_a_tenth_of_a_default_sample(db: asyncpg.Pool) -> None:
    """Every summarised column at statistics target 30 (the default is 100): ANALYZE reads
    9,000 rows instead of 30,000, and its summaries are as long as that target."""
    async with db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(500))
        await conn.execute("ANALYZE mail_jobs")
        targets = await conn.fetch(
            "SELECT attname, attstattarget FROM pg_attribute"
            " WHERE attrelid = 'mail_jobs'::regclass AND attnum > 0 AND NOT attisdropped"
        )
        bounds = await conn.fetchval(
            "SELECT cardinality(histogram_bounds::text::text[]) FROM pg_stats"
            " WHERE schemaname = current_schema() AND tablename = 'mail_jobs'"
            " AND attname = 'registration_id'"
        )
    assert {row["attstattarget"] for row in targets} == {0, 30}
    assert bounds == 31  # 500 distinct registrations, summarised in 30 buckets


async def test_the_claim_looks_a_persons_earlier_jobs_up_by_registration_on_any_statistics(
    db: asyncpg.Pool,
) -> None:
    """Statistics from before a rush (nothing pending) made the planner check each candidate's
    earlier jobs by reading the whole pending index and sorting (11 ms per claim of 10 in a
    10,000 sign-up run). The claim runs with sorting ruled out, so only the per-registration
    index can answer in order, whatever the planner believes."""
    async with db.acquire() as conn:
        await new_jobs.insert_many(conn, _jobs(2_000))
        await conn.execute("UPDATE mail_jobs SET status = 'sent'")
        await conn.execute("ANALYZE mail_jobs")
        await new_jobs.insert_many(conn, _jobs(3_000))
        async with conn.transaction():
            await conn.execute(jobs_table.CLAIM_SETTINGS)
            plan = await _claim_plan(conn)
        started = time.perf_counter()
        async with conn.transaction():
            jobs = await jobs_table.claim_some(
                conn, datetime.now(UTC), jobs_table.FROM_THE_START, 10
            )
        elapsed = time.perf_counter() - started
    assert "mail_jobs_pending_by_registration" in plan
    assert "Sort" not in plan
    assert len(jobs) == 10 and elapsed < 0.05


async def test_analyze_skips_the_attendees_and_keeps_the_looked_up_columns(
    db: asyncpg.Pool,
) -> None:
    attendances = [
        Attendance(
            registration_id=f"r-{i}",
            event_id="e1",
            status="confirmed",
            attendee={"name": f"Deltager {i}", "email": f"d{i}@faxe.dk"},
            sessions={"runde-1": "temamoede-1"},
        )
        for i in range(50)
    ]
    async with db.acquire() as conn:
        await registrations_table.save_many(conn, attendances)
        analysed = await analysed_columns(conn, "registrations")
    assert {"registration_id", "event_id", "status"} <= analysed
    assert not analysed & {"attendee", "sessions"}
