"""The reminder schedule (table `reminder_slots`)."""

from collections.abc import Sequence
from datetime import datetime

from asyncpg import Connection

from notification.domain.reminders import Outcome, Slot


async def replace_unfired(conn: Connection, event_id: str, slots: Sequence[Slot]) -> None:
    """After a (new) definition: the slots still to fire are exactly `slots`. A slot that has
    fired stays, so the same reminder is never sent twice."""
    await conn.execute(
        "DELETE FROM reminder_slots WHERE event_id = $1 AND fired_at IS NULL", event_id
    )
    await conn.executemany(
        "INSERT INTO reminder_slots (event_id, part_id, days_before, due_at, part_starts_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        [(s.event_id, s.part_id, s.days_before, s.due_at, s.part_starts_at) for s in slots],
    )


async def drop_unfired(conn: Connection, event_id: str) -> None:
    await conn.execute(
        "DELETE FROM reminder_slots WHERE event_id = $1 AND fired_at IS NULL", event_id
    )


async def claim_due(conn: Connection, now: datetime, limit: int = 100) -> list[Slot]:
    rows = await conn.fetch(
        "SELECT event_id, part_id, days_before, due_at, part_starts_at FROM reminder_slots"
        " WHERE fired_at IS NULL AND due_at <= $1 ORDER BY due_at LIMIT $2"
        " FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [
        Slot(r["event_id"], r["part_id"], r["days_before"], r["due_at"], r["part_starts_at"])
        for r in rows
    ]


async def mark_fired(
    conn: Connection, slot: Slot, outcome: Outcome, recipients: int, now: datetime
) -> None:
    await conn.execute(
        "UPDATE reminder_slots SET fired_at = $5, outcome = $6, recipients = $7"
        " WHERE event_id = $1 AND part_id = $2 AND days_before = $3 AND due_at = $4",
        slot.event_id,
        slot.part_id,
        slot.days_before,
        slot.due_at,
        now,
        outcome,
        recipients,
    )


async def next_due(conn: Connection) -> datetime | None:
    value = await conn.fetchval("SELECT min(due_at) FROM reminder_slots WHERE fired_at IS NULL")
    return value if isinstance(value, datetime) else None
