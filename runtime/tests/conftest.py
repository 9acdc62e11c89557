"""Runtime tests run on the real PostgreSQL, each in a schema of its own that is dropped after,
and on the real broker, each in topics of its own that are deleted after."""

import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tilmeld_runtime.db import migrate
from tilmeld_runtime.testing import private_schema_pool

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")
BOOTSTRAP = os.environ.get("TILMELD_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
NO_MIGRATIONS = Path(__file__).parent / "no-migrations"


@pytest.fixture
async def pool() -> AsyncIterator[asyncpg.Pool]:
    async with private_schema_pool(DSN) as created:
        yield created


@pytest.fixture
async def runtime_pool(pool: asyncpg.Pool) -> asyncpg.Pool:
    """The pool with the runtime's own tables (inbox, outbox) and no service's migrations."""
    NO_MIGRATIONS.mkdir(exist_ok=True)
    await migrate(pool, NO_MIGRATIONS)
    return pool


@pytest.fixture
def scratch_topic() -> Callable[[str, int], contextlib.AbstractAsyncContextManager[str]]:
    """`async with scratch_topic(prefix, partitions) as name:`"""
    return _scratch_topic


@contextlib.asynccontextmanager
async def _scratch_topic(prefix: str, partitions: int) -> AsyncIterator[str]:
    """A topic of the test's own on the real broker, deleted after."""
    name = f"{prefix}.{uuid.uuid4().hex[:12]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)], timeout_ms=30_000)
        yield name
    finally:
        with contextlib.suppress(Exception):
            await admin.delete_topics([name], timeout_ms=30_000)
        await admin.close()
