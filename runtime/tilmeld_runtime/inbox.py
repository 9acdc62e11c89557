"""The inbox: a handled input's (source, id), claimed in the transaction of its effect."""

import asyncpg


async def claim(conn: asyncpg.Connection, source: str, event_id: str, topic: str) -> bool:
    """True when this input is new; False when it was handled before (skip it)."""
    status = await conn.execute(
        "INSERT INTO inbox (source, id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        source,
        event_id,
        topic,
    )
    return bool(status.endswith(" 1"))
