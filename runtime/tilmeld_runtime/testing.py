"""Test support shared by the services' test suites (imported by tests only)."""

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import asyncpg
from aiokafka import ConsumerRecord

from tilmeld_contracts.envelope import structured_headers
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
