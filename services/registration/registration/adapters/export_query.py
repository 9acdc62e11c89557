"""The organiser's export: every registration of an event, and each organisation's count."""

import csv
import io
from typing import Any

import asyncpg
import orjson

from registration.domain import statuses

COLUMNS = [
    "registration_id",
    "status",
    "position",
    "name",
    "email",
    "organisation",
    "municipality_code",
    "job_title",
    "language",
    "created_at",
]


async def registrations_csv(pool: asyncpg.Pool, round_ids: list[str], event_id: str) -> str:
    rows = await pool.fetch(
        "SELECT id, status, position, attendee, sessions, created_at FROM registrations"
        " WHERE event_id = $1 ORDER BY created_at, id",
        event_id,
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS + round_ids)
    for row in rows:
        attendee: dict[str, Any] = orjson.loads(row["attendee"])
        sessions: dict[str, str | None] = orjson.loads(row["sessions"])
        writer.writerow(
            [
                row["id"],
                row["status"],
                row["position"] or "",
                *(attendee.get(k) or "" for k in COLUMNS[3:9]),
                row["created_at"].isoformat(),
                *(sessions.get(r) or "" for r in round_ids),
            ]
        )
    return out.getvalue()


async def organisations(
    pool: asyncpg.Pool, event_id: str, minimum: int | None, maximum: int | None
) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT organisation_key, min(attendee->>'organisation') AS organisation,"
        " min(attendee->>'municipality_code') AS municipality_code,"
        " count(*) FILTER (WHERE status = 'confirmed') AS confirmed,"
        " count(*) FILTER (WHERE status = ANY($2::text[])) AS active"
        " FROM registrations WHERE event_id = $1 GROUP BY organisation_key ORDER BY 2",
        event_id,
        list(statuses.ACTIVE),
    )
    return [
        {
            "organisation": r["organisation"],
            "municipality_code": r["municipality_code"],
            "confirmed": r["confirmed"],
            "active": r["active"],
            "below_minimum": minimum is not None and r["active"] < minimum,
            "at_maximum": maximum is not None and r["active"] >= maximum,
        }
        for r in rows
        if r["active"] > 0
    ]
