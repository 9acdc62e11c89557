"""The events we know from tilmeld.catalog (table `events`)."""

import orjson
from asyncpg import Connection

from tilmeld_contracts.catalog.v1 import EventDefinition


async def upsert_definition(conn: Connection, event: EventDefinition) -> None:
    """Latest definition wins; the topic is ordered per event id. A cancellation stays."""
    await conn.execute(
        "INSERT INTO events (event_id, kind, title, language, starts_at, ends_at, definition)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
        " ON CONFLICT (event_id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
        " language = excluded.language, starts_at = excluded.starts_at,"
        " ends_at = excluded.ends_at, definition = excluded.definition, updated_at = now()",
        event.id,
        event.kind,
        event.title,
        event.language,
        event.starts_at,
        event.ends_at,
        orjson.dumps(event.model_dump(mode="json")).decode(),
    )


async def mark_cancelled(conn: Connection, event_id: str, reason: str | None) -> None:
    """May come before the definition (then the row waits for it, still cancelled)."""
    await conn.execute(
        "INSERT INTO events (event_id, cancelled_at, cancel_reason) VALUES ($1, now(), $2)"
        " ON CONFLICT (event_id) DO UPDATE SET cancelled_at = now(),"
        " cancel_reason = excluded.cancel_reason, updated_at = now()",
        event_id,
        reason,
    )


async def definition(conn: Connection, event_id: str) -> EventDefinition | None:
    """The definition we knew before (FOR UPDATE: the catalog is one partition per event, but
    a change must be compared with exactly the definition it replaces)."""
    raw = await conn.fetchval(
        "SELECT definition::text FROM events WHERE event_id = $1 FOR UPDATE", event_id
    )
    return EventDefinition.model_validate(orjson.loads(raw)) if raw is not None else None


async def is_cancelled(conn: Connection, event_id: str) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT cancelled_at IS NOT NULL FROM events WHERE event_id = $1", event_id
        )
    )
