"""The durable offer timers: one row per open offer, in the capacity database. Written by the
store in the transaction that opens or closes an offer; fired by the timer worker."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from tilmeld_runtime.writes import Write

CHANNEL = "capacity_offer_timer"  # NOTIFY'd at commit when a timer is set (0002_offers.sql)


@dataclass(frozen=True)
class OfferTimer:
    event_id: str
    registration_id: str
    expires_at: datetime


async def set_timers(conn: asyncpg.Connection, timers: Sequence[OfferTimer]) -> None:
    if (write := timers_set(timers)) is not None:
        await conn.execute(write.sql, *write.args)


def timers_set(timers: Sequence[OfferTimer]) -> Write | None:
    """The write that sets (or moves) these timers; None: no timers."""
    if not timers:
        return None
    return Write(
        "INSERT INTO capacity_offer_timer (event_id, registration_id, expires_at)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])"
        " ON CONFLICT (event_id, registration_id) DO UPDATE SET expires_at = EXCLUDED.expires_at",
        (
            [t.event_id for t in timers],
            [t.registration_id for t in timers],
            [t.expires_at for t in timers],
        ),
    )


def timers_cleared(event_id: str, registration_ids: Sequence[str]) -> Write | None:
    """The write that clears these registrations' timers; None: none named."""
    if not registration_ids:
        return None
    return Write(
        "DELETE FROM capacity_offer_timer WHERE event_id = $1 AND registration_id = ANY($2)",
        (event_id, list(registration_ids)),
    )


async def take_due(conn: asyncpg.Connection, now: datetime, limit: int) -> list[OfferTimer]:
    """Due timers, earliest first, locked for the caller's transaction and deleted in it.
    SKIP LOCKED: a second worker (another instance) takes other rows, never the same."""
    rows = await conn.fetch(
        "DELETE FROM capacity_offer_timer WHERE (event_id, registration_id) IN ("
        "  SELECT event_id, registration_id FROM capacity_offer_timer WHERE expires_at <= $1"
        "  ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)"
        " RETURNING event_id, registration_id, expires_at",
        now,
        limit,
    )
    timers = [OfferTimer(r["event_id"], r["registration_id"], r["expires_at"]) for r in rows]
    return sorted(timers, key=lambda t: t.expires_at)


async def next_expiry(conn: asyncpg.Connection) -> datetime | None:
    expiry: datetime | None = await conn.fetchval(
        "SELECT min(expires_at) FROM capacity_offer_timer"
    )
    return expiry


async def timers_of(conn: asyncpg.Connection, event_id: str) -> list[OfferTimer]:
    rows = await conn.fetch(
        "SELECT event_id, registration_id, expires_at FROM capacity_offer_timer"
        " WHERE event_id = $1 ORDER BY expires_at, registration_id",
        event_id,
    )
    return [OfferTimer(r["event_id"], r["registration_id"], r["expires_at"]) for r in rows]
