"""The service's view of registrations (table `registrations`), from the outcome facts."""

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from asyncpg import Connection, Record

from notification.domain.audience import Attendance, Status


def attendance_of(row: Record) -> Attendance:
    return Attendance(
        registration_id=row["registration_id"],
        event_id=row["event_id"],
        status=row["status"],
        attendee=orjson.loads(row["attendee"]),
        sessions=orjson.loads(row["sessions"]),
    )


_COLUMNS = "registration_id, event_id, status, attendee::text, sessions::text"


async def get(conn: Connection, registration_id: str) -> Attendance | None:
    row = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM registrations WHERE registration_id = $1", registration_id
    )
    return attendance_of(row) if row is not None else None


async def save(
    conn: Connection,
    registration_id: str,
    event_id: str,
    status: Status | None,
    attendee: Mapping[str, Any],
    sessions: Mapping[str, str | None] | None,
) -> None:
    """`status`/`sessions` None: keep what is there (a new row starts confirmed, no sessions)."""
    await conn.execute(
        "INSERT INTO registrations (registration_id, event_id, status, attendee, sessions)"
        " VALUES ($1, $2, COALESCE($3, 'confirmed'), $4::jsonb, COALESCE($5::jsonb, '{}'))"
        " ON CONFLICT (registration_id) DO UPDATE SET"
        "  status = COALESCE($3, registrations.status), attendee = excluded.attendee,"
        "  sessions = COALESCE($5::jsonb, registrations.sessions), updated_at = now()",
        registration_id,
        event_id,
        status,
        orjson.dumps(attendee).decode(),
        orjson.dumps(sessions).decode() if sessions is not None else None,
    )


# One statement for a whole batch's changes; the event of an existing row stays as it was.
_SAVE_MANY = """
INSERT INTO registrations (registration_id, event_id, status, attendee, sessions)
SELECT registration_id, event_id, status, attendee::jsonb, sessions::jsonb
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
     AS r(registration_id, event_id, status, attendee, sessions)
ON CONFLICT (registration_id) DO UPDATE SET status = excluded.status,
    attendee = excluded.attendee, sessions = excluded.sessions, updated_at = now()
"""


async def save_many(conn: Connection, attendances: Sequence[Attendance]) -> None:
    """Each registration at most once: these are whole rows, as they are now."""
    if attendances:
        await conn.execute(
            _SAVE_MANY,
            [a.registration_id for a in attendances],
            [a.event_id for a in attendances],
            [a.status for a in attendances],
            [orjson.dumps(dict(a.attendee)).decode() for a in attendances],
            [orjson.dumps(dict(a.sessions)).decode() for a in attendances],
        )


async def of_event(conn: Connection, event_id: str, statuses: Sequence[Status]) -> list[Attendance]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM registrations WHERE event_id = $1 AND status = ANY($2::text[])"
        " ORDER BY registration_id",
        event_id,
        list(statuses),
    )
    return [attendance_of(row) for row in rows]
