"""Mail jobs (table `mail_jobs`): written by the registrations pipeline, worked by the mailer."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Connection


@dataclass(frozen=True)
class MailJob:
    id: UUID
    template: str
    fact_type: str
    event_id: str
    registration_id: str | None
    recipient: str
    fact: dict[str, Any]
    attempts: int
    # From `events`; None for a rejection about an event we do not know.
    event_definition: dict[str, Any] | None
    event_cancel_reason: str | None


@dataclass(frozen=True)
class NewJob:
    id: UUID
    fact_source: str
    fact_id: str
    fact_type: str
    template: str
    event_id: str
    registration_id: str | None
    recipient: str | None
    fact: dict[str, Any]


async def insert(conn: Connection, job: NewJob, *, skipped_because: str | None = None) -> bool:
    """False when this fact already has its job. A job without recipient is born `skipped`."""
    status = await conn.execute(
        "INSERT INTO mail_jobs (id, fact_source, fact_id, fact_type, template, event_id,"
        " registration_id, recipient, fact, status, last_error, finished_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11,"
        "  CASE WHEN $10 = 'pending' THEN NULL ELSE now() END)"
        " ON CONFLICT (fact_source, fact_id) DO NOTHING",
        job.id, job.fact_source, job.fact_id, job.fact_type, job.template, job.event_id,
        job.registration_id, job.recipient, orjson.dumps(job.fact).decode(),
        "skipped" if skipped_because else "pending", skipped_because,
    )
    return str(status).endswith(" 1")


# The oldest due job whose event we know (rejections need none), never overtaking an earlier
# pending job of the same registration: "waitlisted" must not arrive after "promoted".
_CLAIM_NEXT = """
SELECT j.id, j.template, j.fact_type, j.event_id, j.registration_id, j.recipient,
       j.fact::text AS fact, j.attempts, e.definition::text AS definition, e.cancel_reason
FROM mail_jobs j
LEFT JOIN events e ON e.event_id = j.event_id
WHERE j.status = 'pending' AND j.next_attempt_at <= $1
  AND (j.template = 'rejected' OR e.definition IS NOT NULL)
  AND NOT EXISTS (
      SELECT 1 FROM mail_jobs earlier
      WHERE earlier.registration_id = j.registration_id AND earlier.status = 'pending'
        AND earlier.seq < j.seq)
ORDER BY j.seq
LIMIT 1
FOR UPDATE OF j SKIP LOCKED
"""


async def claim_next(conn: Connection, now: datetime) -> MailJob | None:
    """Lock the next job for the caller's transaction; other mailers skip it meanwhile."""
    row = await conn.fetchrow(_CLAIM_NEXT, now)
    if row is None:
        return None
    definition = row["definition"]
    return MailJob(
        id=row["id"], template=row["template"], fact_type=row["fact_type"],
        event_id=row["event_id"], registration_id=row["registration_id"],
        recipient=row["recipient"], fact=orjson.loads(row["fact"]), attempts=row["attempts"],
        event_definition=orjson.loads(definition) if definition is not None else None,
        event_cancel_reason=row["cancel_reason"],
    )


async def mark_sent(conn: Connection, job_id: UUID, message_id: str) -> None:
    await conn.execute(
        "UPDATE mail_jobs SET status = 'sent', message_id = $2, attempts = attempts + 1,"
        " last_error = NULL, finished_at = now() WHERE id = $1",
        job_id, message_id,
    )


async def mark_failed(conn: Connection, job_id: UUID, error: str) -> None:
    await conn.execute(
        "UPDATE mail_jobs SET status = 'failed', attempts = attempts + 1, last_error = $2,"
        " finished_at = now() WHERE id = $1",
        job_id, error,
    )


async def put_back(conn: Connection, job_id: UUID, next_attempt_at: datetime, error: str) -> None:
    await conn.execute(
        "UPDATE mail_jobs SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3"
        " WHERE id = $1",
        job_id, next_attempt_at, error,
    )


async def count_pending(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM mail_jobs WHERE status = 'pending'"))
