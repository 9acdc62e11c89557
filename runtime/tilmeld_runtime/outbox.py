"""Writing to the outbox, inside the caller's transaction."""

from collections.abc import Sequence

import asyncpg

from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime import record_batches, tracing
from tilmeld_runtime.bundling import bundled_topics, outbox_rows
from tilmeld_runtime.writes import Write


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
    """Queue (topic, key, event) triples in order (`events_write`)."""
    write = events_write(items, trace)
    if write is not None:
        await conn.execute(write.sql, *write.args)


def events_write(
    items: Sequence[tuple[str, str, CloudEvent]],
    trace: Sequence[Sequence[tuple[str, bytes]]] | None = None,
) -> Write | None:
    """The statement that queues (topic, key, event) triples in order; the relay keeps that
    order per key. `trace` holds each item's trace headers (W3C `traceparent`), default: the
    current span's. They are stored with the row, so the relay publishes the context of the
    span that emitted the event, not whatever it is doing itself. On the internal topics several
    events for one key become one bundle row (`bundling`); on the others, a key's records share
    a row (`record_batches`)."""
    if not items:
        return None
    if trace is None:
        trace = [tracing.trace_headers()] * len(items)
    topics_: list[str] = []
    keys: list[bytes] = []
    values: list[bytes | None] = []
    batches: list[bytes | None] = []
    record_counts: list[int] = []
    names: list[str] = []
    header_values: list[bytes] = []
    starts: list[int] = []
    counts: list[int] = []
    for row in outbox_rows(items, trace, bundled_topics()):
        topics_.append(row.topic)
        keys.append(row.key)
        values.append(row.value)
        batches.append(None if row.records is None else record_batches.encode(row.records))
        record_counts.append(1 if row.records is None else len(row.records))
        starts.append(len(names))
        counts.append(len(row.headers))
        names.extend(h[0] for h in row.headers)
        header_values.extend(h[1] for h in row.headers)
    # ONE statement for the batch (executemany would be one statement and one trigger call per
    # row). Each row's headers are its slice of the flat header arrays; rows keep their order,
    # so `seq` grows in emit order.
    return Write(
        "INSERT INTO outbox (topic, key, value, header_names, header_values, records, record_count)"
        " SELECT r.topic, r.key, r.value, ($4::text[])[r.start + 1 : r.start + r.n],"
        "  ($5::bytea[])[r.start + 1 : r.start + r.n], r.records, r.record_count"
        " FROM unnest($1::text[], $2::bytea[], $3::bytea[], $6::int[], $7::int[], $8::bytea[],"
        "  $9::int[]) WITH ORDINALITY AS r(topic, key, value, start, n, records, record_count, i)"
        " ORDER BY r.i",
        (topics_, keys, values, names, header_values, starts, counts, batches, record_counts),
    )
