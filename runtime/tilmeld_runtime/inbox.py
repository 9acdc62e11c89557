"""The inbox: a handled input's (source, id), claimed in the transaction of its effect."""

import asyncpg

from tilmeld_runtime.writes import Write


async def claim(conn: asyncpg.Connection, source: str, event_id: str, topic: str) -> bool:
    """True when this input is new; False when it was handled before (skip it)."""
    status = await conn.execute(
        "INSERT INTO inbox (source, id, topic) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        source,
        event_id,
        topic,
    )
    return bool(status.endswith(" 1"))


async def claim_many(
    conn: asyncpg.Connection, keys: list[tuple[str, str]], topic: str
) -> set[tuple[str, str]]:
    """Claim a batch's inputs in one round trip; returns the keys that are new."""
    if not keys:
        return set()
    rows = await conn.fetch(
        "INSERT INTO inbox (source, id, topic)"
        " SELECT s, i, $3 FROM unnest($1::text[], $2::text[]) AS k(s, i)"
        " ON CONFLICT DO NOTHING RETURNING source, id",
        [k[0] for k in keys],
        [k[1] for k in keys],
        topic,
    )
    return {(r["source"], r["id"]) for r in rows}


def claim_write(keys: list[tuple[str, str]], topic: str) -> Write:
    """Claim `keys` (distinct) in a batch's closing statement, without ON CONFLICT: a key
    handled before fails the whole statement with a unique violation, and the pipeline handles
    the batch again with `claim_many` first."""
    return Write(
        "INSERT INTO inbox (source, id, topic)"
        " SELECT s, i, $3 FROM unnest($1::text[], $2::text[]) AS k(s, i)",
        ([k[0] for k in keys], [k[1] for k in keys], topic),
    )
