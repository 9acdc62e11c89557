"""Every pooled connection runs without JIT compilation (db.SESSION_SETTINGS), whatever the
server's configuration says."""

import os

import asyncpg
import pytest

from tilmeld_runtime.db import create_pool

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")
QUERY = "EXPLAIN (ANALYZE, FORMAT JSON) SELECT count(*) FROM generate_series(1, 10)"


async def _plan_with_every_statement_worth_compiling(conn: asyncpg.Connection) -> str:
    async with conn.transaction():
        await conn.execute("SET LOCAL jit_above_cost = 0")
        return str(await conn.fetchval(QUERY))


async def test_pooled_connections_never_jit_compile() -> None:
    plain = await asyncpg.connect(DSN)
    try:  # the server's own setting: it would compile
        if not await plain.fetchval("SELECT pg_jit_available()"):
            pytest.skip("this PostgreSQL has no JIT provider: nothing to switch off")
        assert '"JIT"' in await _plan_with_every_statement_worth_compiling(plain)
    finally:
        await plain.close()
    pool = await create_pool(DSN, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            assert await conn.fetchval("SHOW jit") == "off"
            assert '"JIT"' not in await _plan_with_every_statement_worth_compiling(conn)
    finally:
        await pool.close()
