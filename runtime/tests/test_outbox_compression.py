"""The outbox's large values (bundles in `value`, several records in `records`) are compressed
with lz4, not PostgreSQL's default pglz, which took ~3 times as long to write them."""

import asyncpg
import orjson


async def test_a_bundle_sized_row_is_stored_lz4_compressed(runtime_pool: asyncpg.Pool) -> None:
    # ~200 KB of repetitive JSON, as a batch's seat requests are: large enough for TOAST.
    big = orjson.dumps([{"type": "dk.example.seat.v1", "data": {"n": n}} for n in range(5000)])
    async with runtime_pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO outbox (topic, key, value, records) VALUES ('t', 'k', $1, $1)", big
        )
        value, records = await conn.fetchrow(
            "SELECT pg_column_compression(value), pg_column_compression(records) FROM outbox"
        )
    assert (value, records) == ("lz4", "lz4")
