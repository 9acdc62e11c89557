"""Writing to the outbox, inside the caller's transaction."""

from collections.abc import Sequence

import asyncpg

from tilmeld_contracts.envelope import CloudEvent, encode, structured_headers


async def enqueue_raw(
    conn: asyncpg.Connection,
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: Sequence[tuple[str, bytes]],
) -> None:
    await conn.execute(
        "INSERT INTO outbox (topic, key, value, header_names, header_values)"
        " VALUES ($1, $2, $3, $4, $5)",
        topic,
        key,
        value,
        [h[0] for h in headers],
        [h[1] for h in headers],
    )


async def enqueue_events(
    conn: asyncpg.Connection, items: Sequence[tuple[str, str, CloudEvent]]
) -> None:
    """Queue (topic, key, event) triples in order; the relay keeps that order per key."""
    if not items:
        return
    headers = structured_headers()
    names, values = [h[0] for h in headers], [h[1] for h in headers]
    await conn.executemany(
        "INSERT INTO outbox (topic, key, value, header_names, header_values)"
        " VALUES ($1, $2, $3, $4, $5)",
        [(topic, key.encode(), encode(event), names, values) for topic, key, event in items],
    )
