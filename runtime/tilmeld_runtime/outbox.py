"""Writing to the outbox, inside the caller's transaction."""

from collections.abc import Sequence

import asyncpg

from tilmeld_contracts.envelope import CloudEvent, encode, structured_headers
from tilmeld_runtime import tracing


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
    conn: asyncpg.Connection,
    items: Sequence[tuple[str, str, CloudEvent]],
    trace: Sequence[Sequence[tuple[str, bytes]]] | None = None,
) -> None:
    """Queue (topic, key, event) triples in order; the relay keeps that order per key.
    `trace` holds each item's trace headers (W3C `traceparent`), default: the current span's.
    They are stored with the row, so the relay publishes the context of the span that emitted
    the event, not whatever it is doing itself."""
    if not items:
        return
    if trace is None:
        trace = [tracing.trace_headers()] * len(items)
    base = structured_headers()
    topics_: list[str] = []
    keys: list[bytes] = []
    values: list[bytes] = []
    names: list[str] = []
    header_values: list[bytes] = []
    starts: list[int] = []
    counts: list[int] = []
    for (topic, key, event), extra in zip(items, trace, strict=True):
        headers = [*base, *extra]
        topics_.append(topic)
        keys.append(key.encode())
        values.append(encode(event))
        starts.append(len(names))
        counts.append(len(headers))
        names.extend(h[0] for h in headers)
        header_values.extend(h[1] for h in headers)
    # ONE statement for the batch (executemany would be one statement and one trigger call per
    # row). Each row's headers are its slice of the flat header arrays; rows keep their order,
    # so `seq` grows in emit order.
    await conn.execute(
        "INSERT INTO outbox (topic, key, value, header_names, header_values)"
        " SELECT r.topic, r.key, r.value, ($4::text[])[r.start + 1 : r.start + r.n],"
        "  ($5::bytea[])[r.start + 1 : r.start + r.n]"
        " FROM unnest($1::text[], $2::bytea[], $3::bytea[], $6::int[], $7::int[])"
        "  WITH ORDINALITY AS r(topic, key, value, start, n, i)"
        " ORDER BY r.i",
        topics_,
        keys,
        values,
        names,
        header_values,
        starts,
        counts,
    )
