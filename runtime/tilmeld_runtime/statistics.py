"""Planner statistics that keep up with a young, fast-growing table.

A fresh database meets its first registration rush with tables the planner believes empty:
autovacuum analyses a table only after 10 % of it changed AND its launcher came by (once a
minute). Until then batch queries got plans fit for an empty table — registration's duplicate
check walked every active registration of the event once per sign-up in the batch (up to 4 s
per batch; the first rush on a new install decided ~300 sign-ups/s instead of ~1,300). This
worker analyses a watched table as soon as it holds far more rows than its statistics say.
A mature table never doubles during a rush, so there it does nothing.
"""

import asyncio
import logging
import time
from collections.abc import Sequence

import asyncpg

from tilmeld_runtime.background import BackgroundLoop

log = logging.getLogger(__name__)

_GROWN = """
SELECT c.relname, s.n_live_tup, c.reltuples
FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.oid = ANY($1::text[]::regclass[])
"""


async def analyse(conn: asyncpg.Connection, table: str) -> bool:
    """ANALYZE `table`, unless autovacuum holds it (then it is being analysed): False."""
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL lock_timeout = '200ms'")
            await conn.execute(f'ANALYZE "{table}"')
    except asyncpg.LockNotAvailableError:
        return False
    return True


async def analyse_grown(conn: asyncpg.Connection, tables: Sequence[str], margin: int) -> list[str]:
    """ANALYZE each table with more than twice the rows its statistics know of, plus `margin`.
    Skips a table autovacuum is working on (it is being analysed, then). Returns those analysed."""
    analysed = []
    for row in await conn.fetch(_GROWN, list(tables)):
        known = max(float(row["reltuples"]), 0.0)  # -1: never analysed
        if row["n_live_tup"] > 2 * known + margin and await analyse(conn, row["relname"]):
            analysed.append(row["relname"])
    return analysed


class StatisticsKeeper(BackgroundLoop):
    """Checks the watched tables every `seconds` (one catalog query) and analyses grown ones."""

    task_name = "statistics-keeper"

    def __init__(
        self,
        pool: asyncpg.Pool,
        tables: Sequence[str],
        *,
        seconds: float = 3.0,
        margin: int = 2_000,
    ) -> None:
        super().__init__()
        self._pool, self._tables, self._seconds, self._margin = pool, tables, seconds, margin

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._seconds)
            try:
                async with self._pool.acquire() as conn:
                    started = time.monotonic()
                    if analysed := await analyse_grown(conn, self._tables, self._margin):
                        log.info(
                            "analysed %s: outgrew the planner statistics (%.0f ms)",
                            ", ".join(analysed),
                            (time.monotonic() - started) * 1000,
                        )
            except Exception:  # statistics are an optimisation: never take the service down
                log.exception("statistics check failed")
