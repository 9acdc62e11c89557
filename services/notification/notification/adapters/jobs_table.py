"""Mail jobs (table `mail_jobs`) as the mailer works them; `new_jobs` writes them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Connection, Record

from notification.domain.kinds import INDIVIDUAL_LANE
from tilmeld_runtime import statistics


@dataclass(frozen=True)
class MailJob:
    id: UUID
    seq: int
    lane: int
    template: str
    fact_type: str
    event_id: str
    registration_id: str | None
    recipient: str
    fact: dict[str, Any]
    context: dict[str, Any]
    attempts: int
    # From `events`; None for a rejection about an event we do not know.
    event_definition: dict[str, Any] | None
    event_cancel_reason: str | None
    # A previous attempt began to send and never recorded how it ended (see mailer.py).
    interrupted: bool = False
    # ... and the relay had taken the mail: record it as sent, do not send it again.
    delivered: bool = False


# The due job of the lowest lane, oldest first, whose event we know (rejections need none),
# never overtaking an earlier pending job of the same registration ("waitlisted" must not
# arrive after "promoted"). A mail about a cancelled event waits (a while) for the organiser's
# note from the catalog.
_CLAIM_NEXT = """
SELECT j.id, j.seq, j.lane, j.template, j.fact_type, j.event_id, j.registration_id, j.recipient,
       j.fact::text AS fact, j.context::text AS context, j.attempts,
       e.definition::text AS definition, e.cancel_reason, f.job_id IS NOT NULL AS interrupted,
       f.delivered_at IS NOT NULL AS delivered
FROM mail_jobs j
LEFT JOIN events e ON e.event_id = j.event_id
LEFT JOIN mail_in_flight f ON f.job_id = j.id
WHERE j.status = 'pending' AND j.next_attempt_at <= $1
  -- Where to start (the mailer's mark, see mailer.py): an index condition on mail_jobs_pending.
  AND (j.lane, j.seq) >= ($2, $3)
  AND (j.template = 'rejected' OR e.definition IS NOT NULL)
  AND (j.template <> 'cancelled' OR j.fact ->> 'reason' <> 'event_cancelled'
       OR e.cancelled_at IS NOT NULL OR j.created_at < $1 - interval '10 minutes')
  -- A person's mails go out in order: only their oldest pending job qualifies. A scalar
  -- subquery per candidate (index on registration_id, seq), not an anti-join: with statistics
  -- older than a rush's backlog the planner chose a nested-loop anti-join over all pending jobs
  -- (62 s for one claim with 16,000 pending). The ORDER BY names the columns of
  -- mail_jobs_pending_by_registration so that index wins even on such statistics; `min()`
  -- let the planner walk the whole (lane, seq) index per candidate (6 ms at 20,000 pending).
  AND (j.registration_id IS NULL OR j.seq = (
      SELECT earlier.seq FROM mail_jobs earlier
      WHERE earlier.registration_id = j.registration_id AND earlier.status = 'pending'
      ORDER BY earlier.registration_id, earlier.seq LIMIT 1))
ORDER BY j.lane, j.seq
LIMIT $4
FOR UPDATE OF j SKIP LOCKED
"""


# Where a claim starts looking: (lane, seq) of the first job it may return.
Position = tuple[int, int]
FROM_THE_START: Position = (0, 0)


async def claim_next(
    conn: Connection, now: datetime, start: Position = FROM_THE_START
) -> MailJob | None:
    """Lock the next job at or after `start` for the caller's transaction; other mailers skip
    it meanwhile."""
    jobs = await claim_some(conn, now, start, 1)
    return jobs[0] if jobs else None


# For the claim only: with statistics from before a rush (nothing pending) the planner believed
# the pending index empty and checked each candidate's earlier jobs by reading all of it and
# sorting (11 ms per claim of 10 in a 10,000 sign-up run, until the mailer analysed the table).
# Ruling sorts out leaves the per-registration index, which answers in order, on any statistics.
CLAIM_SETTINGS = "SET LOCAL enable_sort = off"
_AFTER_CLAIM = "SET LOCAL enable_sort = on"


async def claim_some(conn: Connection, now: datetime, start: Position, limit: int) -> list[MailJob]:
    """Lock up to `limit` next jobs at or after `start`, in sending order; at most one per
    registration (its oldest pending), so a person's mails still go out one after another.
    In the caller's transaction."""
    await conn.execute(CLAIM_SETTINGS)
    rows = await conn.fetch(_CLAIM_NEXT, now, *start, limit)
    await conn.execute(_AFTER_CLAIM)
    return [_job(row) for row in rows]


def _job(row: Record) -> MailJob:
    definition = row["definition"]
    return MailJob(
        id=row["id"],
        seq=row["seq"],
        lane=row["lane"],
        template=row["template"],
        fact_type=row["fact_type"],
        event_id=row["event_id"],
        registration_id=row["registration_id"],
        recipient=row["recipient"],
        fact=orjson.loads(row["fact"]),
        context=orjson.loads(row["context"]),
        attempts=row["attempts"],
        event_definition=orjson.loads(definition) if definition is not None else None,
        event_cancel_reason=row["cancel_reason"],
        interrupted=row["interrupted"],
        delivered=row["delivered"],
    )


async def mark_in_flight(conn: Connection, job_id: UUID) -> None:
    """On a connection of its own, committed before the send (the job's row stays locked by
    the mailer's transaction; this table has no foreign key, so nothing waits on that lock)."""
    await conn.execute(
        "INSERT INTO mail_in_flight (job_id) VALUES ($1)"
        " ON CONFLICT (job_id) DO UPDATE SET started_at = now()",
        job_id,
    )


async def mark_delivered(conn: Connection, job_id: UUID) -> None:
    """On the marker's connection, committed at once: the relay took the mail."""
    await conn.execute("UPDATE mail_in_flight SET delivered_at = now() WHERE job_id = $1", job_id)


async def mark_sent_many(conn: Connection, sent: list[tuple[MailJob, str]]) -> None:
    """`mark_sent` for several jobs, in two statements whatever their number."""
    ids = [job.id for job, _ in sent]
    await conn.execute("DELETE FROM mail_in_flight WHERE job_id = ANY($1::uuid[])", ids)
    await conn.execute(
        "UPDATE mail_jobs j SET status = 'sent', message_id = s.message_id,"
        " attempts = j.attempts + 1, last_error = NULL, finished_at = now(),"
        " resent_after_interruption = j.resent_after_interruption + s.interrupted::int"
        " FROM unnest($1::uuid[], $2::text[], $3::bool[]) AS s(id, message_id, interrupted)"
        " WHERE j.id = s.id",
        ids,
        [message_id for _, message_id in sent],
        [job.interrupted and not job.delivered for job, _ in sent],
    )


async def _landed(conn: Connection, job_id: UUID, interrupted: bool) -> None:
    await conn.execute("DELETE FROM mail_in_flight WHERE job_id = $1", job_id)
    if interrupted:
        await conn.execute(
            "UPDATE mail_jobs SET resent_after_interruption = resent_after_interruption + 1"
            " WHERE id = $1",
            job_id,
        )


async def mark_sent(conn: Connection, job: MailJob, message_id: str) -> None:
    await _landed(conn, job.id, job.interrupted)
    await conn.execute(
        "UPDATE mail_jobs SET status = 'sent', message_id = $2, attempts = attempts + 1,"
        " last_error = NULL, finished_at = now() WHERE id = $1",
        job.id,
        message_id,
    )


async def mark_failed(conn: Connection, job: MailJob, error: str) -> None:
    await _landed(conn, job.id, job.interrupted)
    await conn.execute(
        "UPDATE mail_jobs SET status = 'failed', attempts = attempts + 1, last_error = $2,"
        " finished_at = now() WHERE id = $1",
        job.id,
        error,
    )


async def put_back(conn: Connection, job: MailJob, next_attempt_at: datetime, error: str) -> None:
    await _landed(conn, job.id, job.interrupted)
    await conn.execute(
        "UPDATE mail_jobs SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3"
        " WHERE id = $1",
        job.id,
        next_attempt_at,
        error,
    )


async def count_pending(conn: Connection) -> tuple[int, dict[str, int]]:
    """All pending jobs, and the fan-out ones by kind: one pass over the pending index (two
    queries cost 56 ms a second with a rush's 40,000 jobs pending)."""
    rows = await conn.fetch(
        "SELECT template, lane <> $1 AS bulk, count(*) AS n FROM mail_jobs"
        " WHERE status = 'pending' GROUP BY template, lane <> $1",
        INDIVIDUAL_LANE,
    )
    bulk = {r["template"]: int(r["n"]) for r in rows if r["bulk"]}
    return sum(int(r["n"]) for r in rows), bulk


async def analyse_if_misjudged(conn: Connection, pending: int, margin: int) -> bool:
    """ANALYZE mail_jobs when the planner believes far fewer jobs pending than there are. The
    claim's plan depends on that belief: statistics from before a rush (about none pending)
    against its 40,000 made the claim join and sort every pending job with a scan of them per
    row, past the 30 s statement timeout, and the mailer stood still until autovacuum (which
    waits for 10 % of the table to change) analysed it. Believing too many is harmless. Asking
    costs a plan (no execution); analysing ~0.4 s at 900,000 rows, a few times per rush. Skipped
    while autovacuum holds the table (it is analysing it, then)."""
    plan = await conn.fetchval(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM mail_jobs WHERE status = 'pending'"
    )
    believed = orjson.loads(plan)[0]["Plan"]["Plan Rows"]
    return pending > 2 * believed + margin and await statistics.analyse(conn, "mail_jobs")
