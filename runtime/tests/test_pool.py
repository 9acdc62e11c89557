"""The services' connection pool gives a connection back without a reset round trip, and still
never hands out one inside a transaction."""

import os

import asyncpg

from tilmeld_runtime.db import create_pool

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")


async def test_a_released_connection_keeps_its_session_but_not_its_transaction() -> None:
    pool = await create_pool(DSN, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            backend = await conn.fetchval("SELECT pg_backend_pid()")
            # Session state: no pooled code sets any (see db._keep_session); this shows that
            # nothing is spent on resetting it.
            await conn.execute("SET application_name = 'kept'")
            transaction = conn.transaction()
            await transaction.start()  # left open, as a crashed handler might
            await conn.execute("CREATE TEMPORARY TABLE rolled_back (x int)")
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT pg_backend_pid()") == backend  # the same one
            assert not conn.is_in_transaction()
            assert await conn.fetchval("SELECT to_regclass('pg_temp.rolled_back')") is None
            assert await conn.fetchval("SHOW application_name") == "kept"
    finally:
        await pool.close()


async def test_each_release_costs_no_statement() -> None:
    pool = await create_pool(DSN, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            backend = await conn.fetchval("SELECT pg_backend_pid()")
        for _ in range(3):
            async with pool.acquire():
                pass
        async with pool.acquire() as conn:
            # The backend's last statement before this one is still ours, not a reset query.
            observer = await asyncpg.connect(DSN)
            try:
                last = await observer.fetchval(
                    "SELECT query FROM pg_stat_activity WHERE pid = $1", backend
                )
            finally:
                await observer.close()
            assert last == "SELECT pg_backend_pid()"
    finally:
        await pool.close()
