"""Several records for one topic and key in one outbox row.

A transaction's public records for one key (a batch's 500 outcome facts) are one row with a
`records` column instead of one row each: one heap tuple, one index entry, one delete and one
row for the relay to read. The column holds the records in order, msgpack-encoded as
`[[value, [[header name, header value], ...]], ...]` — one bytea, not arrays: asyncpg and
PostgreSQL spend ~2-3 µs per element of a `bytea[]`, about what the row per record cost. The
relay publishes a row's records one by one, in order, and deletes the row once all are acked.
"""

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import msgpack

Headers = Sequence[tuple[str, bytes]]
Record = tuple[bytes, Headers]

# A row's records stay well below what the relay holds in memory per cycle and below Kafka's
# 1 MB request (the relay's batch); a longer run of records becomes several rows.
MAX_RECORDS = 500
MAX_BYTES = 512 * 1024

# Set at start-up from TILMELD_OUTBOX_RECORD_BATCHES (host.serve); see `configure`.
_enabled = True


def configure(enabled: bool) -> None:
    """Off: every record is a row of its own, which a relay of a version without record
    batches can publish (set it off while such an instance still runs)."""
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    return _enabled


def chunks(records: Sequence[Record]) -> Iterator[Sequence[Record]]:
    """The records in order, as few runs as fit MAX_RECORDS and MAX_BYTES each."""
    start, size = 0, 0
    for index, (value, _) in enumerate(records):
        if index > start and (index - start >= MAX_RECORDS or size + len(value) > MAX_BYTES):
            yield records[start:index]
            start, size = index, 0
        size += len(value)
    if start < len(records):
        yield records[start:]


def encode(records: Sequence[Record]) -> bytes:
    packed: bytes = msgpack.packb(records, use_bin_type=True)
    return packed


def decode(blob: bytes) -> list[Record]:
    """A row's records as (value, headers) pairs; header names are text, values bytes. The
    headers are a list of pairs, as aiokafka's record builder takes them."""
    records: tuple[tuple[bytes, tuple[tuple[str, bytes], ...]], ...]
    records = msgpack.unpackb(blob, use_list=False, raw=False)
    return [(value, list(headers)) for value, headers in records]


def records_of(row: Mapping[str, Any]) -> Sequence[Record]:
    """An outbox row's records: its own value and headers, or the several it carries."""
    if row["records"] is not None:
        return decode(row["records"])
    headers = list(zip(row["header_names"], row["header_values"], strict=True))
    return [(row["value"], headers)]
