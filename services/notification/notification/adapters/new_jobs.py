"""Writing mail jobs (table `mail_jobs`): the pipelines' and the reminder scheduler's side.

Many jobs go in as ONE statement (`unnest`), not one per row: the table's statement trigger that
wakes the mailer then fires once, and PostgreSQL plans and executes once. `seq` follows the
order given, which the mailer relies on per registration."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Connection

from notification.domain.kinds import INDIVIDUAL_LANE


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
    context: dict[str, Any] = field(default_factory=dict)
    lane: int = INDIVIDUAL_LANE
    fanout_id: UUID | None = None
    # Set: the job is born `skipped` with this as its last error (e.g. nobody to mail).
    skipped_because: str | None = None


_COLUMNS = (
    "id, fact_source, fact_id, fact_type, template, event_id, registration_id, recipient, fact,"
    " context, lane, fanout_id, status, last_error, finished_at"
)
_INSERT = f"""
INSERT INTO mail_jobs ({_COLUMNS})
SELECT id, fact_source, fact_id, fact_type, template, event_id, registration_id, recipient,
       fact::jsonb, context::jsonb, lane, fanout_id,
       CASE WHEN last_error IS NULL THEN 'pending' ELSE 'skipped' END, last_error,
       CASE WHEN last_error IS NULL THEN NULL ELSE now() END
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[], $10::text[], $11::smallint[], $12::uuid[], $13::text[])
     WITH ORDINALITY AS j(id, fact_source, fact_id, fact_type, template, event_id,
                          registration_id, recipient, fact, context, lane, fanout_id, last_error,
                          position)
ORDER BY position
ON CONFLICT (fact_source, fact_id) DO NOTHING
RETURNING id
"""


# One job alone (the usual batch when the consumer keeps up) costs less as a plain VALUES row.
_INSERT_ONE = f"""
INSERT INTO mail_jobs ({_COLUMNS})
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12,
        CASE WHEN $13::text IS NULL THEN 'pending' ELSE 'skipped' END, $13,
        CASE WHEN $13::text IS NULL THEN NULL ELSE now() END)
ON CONFLICT (fact_source, fact_id) DO NOTHING
RETURNING id
"""


async def insert_many(conn: Connection, jobs: Sequence[NewJob]) -> set[UUID]:
    """Jobs whose fact already has one are left as they are; returns the ids created now."""
    if not jobs:
        return set()
    if len(jobs) == 1:
        created = await conn.fetchval(_INSERT_ONE, *_values(jobs[0]))
        return {created} if created is not None else set()
    columns = [list(column) for column in zip(*map(_values, jobs), strict=True)]
    return {row["id"] for row in await conn.fetch(_INSERT, *columns)}


def _values(job: NewJob) -> tuple[Any, ...]:
    return (
        job.id,
        job.fact_source,
        job.fact_id,
        job.fact_type,
        job.template,
        job.event_id,
        job.registration_id,
        job.recipient,
        orjson.dumps(job.fact).decode(),
        orjson.dumps(job.context).decode(),
        job.lane,
        job.fanout_id,
        job.skipped_because,
    )


async def insert(conn: Connection, job: NewJob) -> bool:
    """False when this fact already has its job."""
    return bool(await insert_many(conn, [job]))


async def skip_pending_bulk(conn: Connection, registration_ids: Sequence[str], reason: str) -> None:
    """Cancelled people get no more reminders, change notices or broadcasts. One statement per
    registration (in one round trip): `registration_id = $1` keeps its index whatever the
    table's size when the plan was cached, where `= ANY($1)` may stay a scan of it."""
    await conn.executemany(
        "UPDATE mail_jobs SET status = 'skipped', last_error = $2, finished_at = now()"
        " WHERE registration_id = $1 AND status = 'pending' AND lane <> $3",
        [(registration_id, reason, INDIVIDUAL_LANE) for registration_id in registration_ids],
    )
