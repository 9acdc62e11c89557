"""Connection pool and migrations.

Migrations are plain SQL files applied in name order, each once, under an advisory lock so two
instances starting together do not race. A migration library would need a second, synchronous
driver; this is the whole of what we need from one.
"""

from pathlib import Path

import asyncpg

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 7_431_001


async def create_pool(dsn: str, *, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=30,
        reset=_keep_session,
        server_settings=SESSION_SETTINGS,
    )
    assert pool is not None
    return pool


# No JIT: Tilmeld's statements are small, but the planner's row estimates for set-returning
# functions (jsonb_each, unnest) push some over jit_above_cost, and compiling them with inlining
# and optimisation took ~160 ms for a business-gauge query that runs in under 1 ms (2.2 s of
# the database's CPU in one benchmark run, in stalls of 90–180 ms). Per connection, so it holds
# whatever the server's configuration says.
SESSION_SETTINGS = {"jit": "off"}


async def _keep_session(conn: asyncpg.Connection) -> None:
    """Return a connection to the pool without asyncpg's reset query (advisory unlock, CLOSE ALL,
    UNLISTEN *, RESET ALL): one round trip on every release, i.e. on every batch of every
    consumer and twice per relay cycle. Tilmeld leaves no session state on a pooled connection:
    LISTEN and the relay's advisory lock live on connections of their own, settings are
    `SET LOCAL`, and the migrations' lock is released in a `finally`. An open transaction is
    still rolled back (asyncpg does that before it calls this). Keep it so."""


async def migrate(pool: asyncpg.Pool, *directories: Path) -> list[str]:
    """Apply every not-yet-applied `*.sql` file; returns the names applied now."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        try:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for directory in (RUNTIME_MIGRATIONS, *directories):
                for path in sorted(directory.glob("*.sql")):
                    name = f"{directory.parent.name}/{path.name}"
                    if name in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(path.read_text("utf-8"))
                        await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
                    applied_now.append(name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now
