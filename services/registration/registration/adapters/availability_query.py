"""Availability of an event, computed from the registration service's own store."""

from typing import Any

import asyncpg

from registration.adapters import events_store
from registration.domain import statuses


def _left(capacity: int | None, taken: int) -> int | None:
    return None if capacity is None else max(0, capacity - taken)


async def availability(pool: asyncpg.Pool, event_id: str) -> dict[str, Any] | None:
    event = await events_store.load(pool, event_id)
    if event is None:
        return None
    definition = event.definition
    async with pool.acquire() as conn:
        by_status = dict(
            await conn.fetch(
                "SELECT status, count(*) FROM registrations WHERE event_id = $1 GROUP BY status",
                event_id,
            )
        )
        seated = {
            (r["round_id"], r["session_id"]): r["n"]
            for r in await conn.fetch(
                "SELECT s.key AS round_id, s.value #>> '{}' AS session_id, count(*) AS n"
                " FROM registrations, jsonb_each(sessions) s"
                " WHERE event_id = $1 AND seated AND s.value <> 'null'::jsonb"
                " GROUP BY 1, 2",
                event_id,
            )
        }
        waiting = {
            (r["round_id"], r["session_id"]): r["n"]
            for r in await conn.fetch(
                "SELECT w.key AS round_id, jsonb_array_elements_text(w.value) AS session_id,"
                " count(*) AS n FROM registrations, jsonb_each(session_waitlists) w"
                " WHERE event_id = $1 AND seated GROUP BY 1, 2",
                event_id,
            )
        }
        organisations = await conn.fetch(
            "SELECT organisation_key, min(attendee->>'organisation') AS organisation,"
            " min(attendee->>'municipality_code') AS municipality_code, count(*) AS n"
            " FROM registrations WHERE event_id = $1 AND status = ANY($2::text[])"
            " GROUP BY organisation_key ORDER BY 2",
            event_id,
            list(statuses.ACTIVE),
        )
    taken = by_status.get(statuses.CONFIRMED, 0) + by_status.get(statuses.OFFERED, 0)
    minimum = definition.per_organisation.min
    return {
        "event_id": definition.id,
        "title": definition.title,
        "cancelled": event.cancelled,
        "capacity": definition.capacity,
        "confirmed": by_status.get(statuses.CONFIRMED, 0),
        "offered": by_status.get(statuses.OFFERED, 0),
        "seats_left": _left(definition.capacity, taken),
        "waitlist": by_status.get(statuses.WAITLISTED, 0),
        "pending": by_status.get(statuses.PENDING, 0),
        "sessions": [
            {
                "round_id": round_.id,
                "session_id": s.id,
                "title": s.title,
                "capacity": s.capacity,
                "confirmed": seated.get((round_.id, s.id), 0),
                "seats_left": _left(s.capacity, seated.get((round_.id, s.id), 0)),
                "waitlist": waiting.get((round_.id, s.id), 0),
            }
            for round_ in definition.rounds
            for s in round_.sessions
        ],
        "organisations_below_minimum": []
        if minimum is None
        else [
            {
                "organisation": o["organisation"],
                "municipality_code": o["municipality_code"],
                "participants": o["n"],
                "minimum": minimum,
            }
            for o in organisations
            if o["n"] < minimum
        ],
    }
