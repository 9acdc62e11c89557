"""Event definitions as the registration service last saw them on the catalog."""

import asyncpg
import orjson

from registration.domain.signup_rules import KnownEvent
from tilmeld_contracts.catalog.v1 import EventDefinition


async def save(conn: asyncpg.Connection, definition: EventDefinition) -> None:
    await conn.execute(
        "INSERT INTO events (id, definition) VALUES ($1, $2::jsonb)"
        " ON CONFLICT (id) DO UPDATE SET definition = EXCLUDED.definition, updated_at = now()",
        definition.id,
        orjson.dumps(definition.model_dump(mode="json")).decode(),
    )


async def mark_cancelled(conn: asyncpg.Connection, event_id: str) -> bool:
    status: str = await conn.execute(
        "UPDATE events SET cancelled = true, updated_at = now() WHERE id = $1", event_id
    )
    return status.endswith(" 1")


async def load(conn: asyncpg.Connection | asyncpg.Pool, event_id: str) -> KnownEvent | None:
    row = await conn.fetchrow("SELECT definition, cancelled FROM events WHERE id = $1", event_id)
    if row is None:
        return None
    return KnownEvent(EventDefinition.model_validate_json(row["definition"]), row["cancelled"])


# The row's version: PostgreSQL writes a new row version, with a new `xmin`, on every change
# (a definition changed, the event cancelled), so (id, version) names one state of the event.
# `xmin` is a 32-bit transaction id that comes round again after ~4 billion transactions; the
# time of the change, which every writer sets, tells such versions apart.
VERSION = "xmin::text || ' ' || updated_at::text"


async def load_row(conn: asyncpg.Connection, event_id: str) -> tuple[str, str, bool] | None:
    """The event's row version, its definition as JSON text and whether it is cancelled."""
    row = await conn.fetchrow(
        f"SELECT {VERSION} AS version, definition, cancelled FROM events WHERE id = $1", event_id
    )
    return None if row is None else (row["version"], row["definition"], row["cancelled"])
