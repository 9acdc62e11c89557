"""Seats, waiting lists and offers of many events at once, for the business gauges: the same
figures as the availability endpoint (availability_query.py), in four statements for all the
events asked about instead of four per event."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
import orjson

SessionKey = tuple[str, str]  # (round id, session id)


@dataclass
class SessionFigures:
    capacity: int | None
    seated: int = 0
    waiting: int = 0  # confirmed attendees waiting for this session (they hold a lower choice)


@dataclass
class EventFigures:
    capacity: int | None
    confirmed: int = 0
    offered: int = 0
    waitlisted: int = 0
    sessions: dict[SessionKey, SessionFigures] = field(default_factory=dict)

    @property
    def seats_available(self) -> int | None:
        """None = unlimited. Offered seats are held for the one they are offered to."""
        if self.capacity is None:
            return None
        return max(0, self.capacity - self.confirmed - self.offered)


_LIVE = (
    "SELECT id, definition->'capacity' AS capacity, definition->'rounds' AS rounds FROM events"
    " WHERE NOT cancelled AND (definition->>'ends_at')::timestamptz > $1"
    "  AND ($2::text[] IS NULL OR id = ANY($2))"
)
_BY_STATUS = (
    "SELECT event_id, status, count(*) AS n FROM registrations"
    " WHERE event_id = ANY($1) AND status = ANY('{confirmed,offered,waitlisted}') GROUP BY 1, 2"
)
_SEATED = (
    "SELECT event_id, s.key AS round_id, s.value #>> '{}' AS session_id, count(*) AS n"
    " FROM registrations, jsonb_each(sessions) s"
    " WHERE event_id = ANY($1) AND seated AND s.value <> 'null'::jsonb"
    " GROUP BY 1, 2, 3"
)
_WAITING = (
    "SELECT event_id, w.key AS round_id, jsonb_array_elements_text(w.value) AS session_id,"
    " count(*) AS n FROM registrations, jsonb_each(session_waitlists) w"
    " WHERE event_id = ANY($1) AND seated GROUP BY 1, 2, 3"
)


async def live_events(
    pool: asyncpg.Pool, now: datetime, only: Collection[str] | None = None
) -> dict[str, EventFigures]:
    """Figures of the events that are neither cancelled nor over (of `only`, when given)."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(_LIVE, now, None if only is None else list(only))
        figures = {row["id"]: _layout(row["capacity"], row["rounds"]) for row in rows}
        ids = list(figures)
        if not ids:
            return figures
        for row in await conn.fetch(_BY_STATUS, ids):
            setattr(figures[row["event_id"]], row["status"], row["n"])
        for row in await conn.fetch(_SEATED, ids):
            session = figures[row["event_id"]].sessions.get((row["round_id"], row["session_id"]))
            if session is not None:
                session.seated = row["n"]
        for row in await conn.fetch(_WAITING, ids):
            session = figures[row["event_id"]].sessions.get((row["round_id"], row["session_id"]))
            if session is not None:
                session.waiting = row["n"]
    return figures


async def all_event_ids(pool: asyncpg.Pool) -> set[str]:
    return {row["id"] for row in await pool.fetch("SELECT id FROM events")}


def _layout(capacity: str | None, rounds: str | None) -> EventFigures:
    sessions: dict[SessionKey, SessionFigures] = {}
    for round_ in orjson.loads(rounds) if rounds else []:
        for session in round_["sessions"]:
            sessions[(round_["id"], session["id"])] = SessionFigures(session.get("capacity"))
    limit = orjson.loads(capacity) if capacity else None
    return EventFigures(limit if isinstance(limit, int) else None, sessions=sessions)
