"""Test support shared by the services' test suites (imported by tests only)."""

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg

from tilmeld_runtime.db import migrate


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
