"""Runtime tests run on the real PostgreSQL, each in a schema of its own that is dropped after."""

import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(DSN)
    await admin.execute(f"CREATE SCHEMA {schema}")
    created = await asyncpg.create_pool(
        DSN, min_size=1, max_size=4, server_settings={"search_path": schema}
    )
    assert created is not None
    try:
        yield created
    finally:
        await created.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
