"""Test support shared by the services' test suites (imported by tests only)."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import asyncpg
from aiokafka import ConsumerRecord

from tilmeld_contracts.envelope import structured_headers
from tilmeld_runtime import record_batches
from tilmeld_runtime.db import migrate

STRUCTURED = tuple(structured_headers())


@contextlib.asynccontextmanager
async def private_schema_pool(
    dsn: str, migrations: Path | None = None, prefix: str = "test"
) -> AsyncIterator[asyncpg.Pool]:
    """A pool on a PostgreSQL schema of its own, dropped afterwards: tests that commit neither
    see nor disturb a service running on the shared schema (e.g. during an e2e run)."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(dsn)
    await admin.execute(f"CREATE SCHEMA {schema}")
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=4, server_settings={"search_path": schema}
    )
    assert pool is not None
    try:
        if migrations is not None:
            await migrate(pool, migrations)
        yield pool
    finally:
        await pool.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()


async def analysed_columns(conn: asyncpg.Connection, table: str) -> set[str]:
    """ANALYZE `table` (in the connection's schema) and name the columns it gathered statistics
    on: a column set to STATISTICS 0 has none."""
    await conn.execute(f'ANALYZE "{table}"')
    rows = await conn.fetch(
        "SELECT attname FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1",
        table,
    )
    return {row["attname"] for row in rows}


def consumer_record(
    topic: str,
    key: bytes | None,
    value: bytes | None,
    *,
    partition: int = 0,
    offset: int = 0,
    headers: Sequence[tuple[str, bytes]] = STRUCTURED,
) -> ConsumerRecord[bytes, bytes]:
    """A record as aiokafka hands it to a subscriber (structured-mode CloudEvent by default)."""
    return ConsumerRecord(
        topic=topic,
        partition=partition,
        offset=offset,
        timestamp=0,
        timestamp_type=0,
        key=key,
        value=value,
        checksum=None,
        serialized_key_size=len(key or b""),
        serialized_value_size=len(value or b""),
        headers=list(headers),
    )


class QueuedRecord(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]


async def queued_records(
    conn: asyncpg.Pool | asyncpg.Connection, key: bytes | None = None
) -> list[QueuedRecord]:
    """The outbox's records (of one key, if given) in the order the relay publishes them: a row
    of several records (record_batches) as its records."""
    rows = await conn.fetch(
        "SELECT * FROM outbox WHERE $1::bytea IS NULL OR key = $1 ORDER BY seq", key
    )
    return [
        QueuedRecord(row["topic"], row["key"], value, dict(headers))
        for row in rows
        for value, headers in record_batches.records_of(row)
    ]


class LoggedPool:
    """A pool whose connections write down every statement they send (the first 40
    characters, whitespace folded): hand it to a Pipeline to count its round trips."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool, self.statements = pool, list[str]()

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._pool.acquire() as conn:
            conn.add_query_logger(self._note)
            try:
                yield conn
            finally:
                conn.remove_query_logger(self._note)

    def _note(self, logged: Any) -> None:
        self.statements.append(" ".join(logged.query.split())[:40])
