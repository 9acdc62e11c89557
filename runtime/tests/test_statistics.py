"""A young table that outgrows its planner statistics is analysed; a mature one is left alone."""

import asyncio
import time

import asyncpg

from tilmeld_runtime.statistics import StatisticsKeeper, analyse_grown


async def _grow(conn: asyncpg.Connection, rows: int) -> None:
    await conn.execute(
        "INSERT INTO grown (event_id, email) SELECT 'e1', 'p' || i || '@x.dk'"
        " FROM generate_series(1, $1) i",
        rows,
    )


async def _known_rows(conn: asyncpg.Connection) -> float:
    return float(
        await conn.fetchval("SELECT reltuples FROM pg_class WHERE oid = 'grown'::regclass")
    )


async def _analysed_within(conn: asyncpg.Connection, margin: int, seconds: float) -> list[str]:
    # Row counts reach pg_stat_user_tables within about a second of the commit.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if analysed := await analyse_grown(conn, ["grown"], margin):
            return analysed
        await asyncio.sleep(0.1)
    return []


async def test_a_table_much_larger_than_its_statistics_is_analysed(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE grown (event_id text, email text)")
        await conn.execute("ANALYZE grown")  # what a fresh install starts with: nothing
        await _grow(conn, 1_500)
        assert await _analysed_within(conn, margin=1_000, seconds=3) == ["grown"]
        assert await _known_rows(conn) == 1_500
        await _grow(conn, 1_000)  # 2,500 now: less than twice 1,500 plus the margin
        assert await _analysed_within(conn, margin=1_000, seconds=1.5) == []
        await _grow(conn, 2_000)  # 4,500: more
        assert await _analysed_within(conn, margin=1_000, seconds=3) == ["grown"]
        assert await _known_rows(conn) == 4_500


async def test_the_keeper_does_it_in_the_background_and_stops(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE grown (event_id text, email text)")
        await _grow(conn, 3_000)
    keeper = StatisticsKeeper(pool, ["grown"], seconds=0.2, margin=1_000)
    await keeper.start()
    try:
        deadline = time.monotonic() + 5
        async with pool.acquire() as conn:
            while await _known_rows(conn) < 3_000:
                assert time.monotonic() < deadline, "never analysed"
                await asyncio.sleep(0.1)
    finally:
        await keeper.stop()
