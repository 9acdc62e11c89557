"""Runtime tests run on the real PostgreSQL, each in a schema of its own that is dropped after."""

import os
from collections.abc import AsyncIterator

import asyncpg
import pytest

from tilmeld_runtime.testing import private_schema_pool

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with private_schema_pool(DSN) as created:
        yield created
