"""A connection whose transaction begins with its first statement, not before.

A batch whose handlers work from what the pipeline's `prepare` read, and whose writes all go
into the one closing statement (writes.py), never needs BEGIN and COMMIT: two round trips on
every batch of every hop. Any other statement (a handler reading on demand, a lock, a write of
its own) first begins the transaction, and the batch is then one transaction as always.

Reads outside the transaction see what a read inside it would: every statement of a READ
COMMITTED transaction sees what was committed when the statement began."""

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
from asyncpg.transaction import Transaction

# The connection's methods that send a statement.
_STATEMENTS = frozenset(
    {
        "execute",
        "executemany",
        "fetch",
        "fetchrow",
        "fetchval",
        "fetchmany",
        "copy_from_query",
        "copy_from_table",
        "copy_records_to_table",
        "copy_to_table",
        "prepare",
    }
)
_READS = frozenset({"fetch", "fetchrow", "fetchval"})


class LazyTransaction:
    """Stands in for an `asyncpg.Connection` (`as_connection`)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.raw = conn
        self._transaction: Transaction | None = None
        self._reads_before_begin = False

    def as_connection(self) -> asyncpg.Connection:
        """For code typed against asyncpg's connection (handlers' `tx.conn`)."""
        return self

    async def begin(self) -> None:
        if self._transaction is None:
            transaction = self.raw.transaction()
            await transaction.start()
            self._transaction = transaction

    async def commit(self) -> None:
        """Commit if the transaction began (a no-op otherwise)."""
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            await transaction.commit()

    async def rollback(self) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None and not self.raw.is_closed():
            await transaction.rollback()

    @contextmanager
    def reads_before_begin(self) -> Iterator[None]:
        """Within: `fetch`, `fetchrow` and `fetchval` run without beginning the transaction
        (the pipeline's `prepare`, which only reads). Anything else still begins it."""
        self._reads_before_begin = True
        try:
            yield
        finally:
            self._reads_before_begin = False

    def __getattr__(self, name: str) -> Any:
        if name in ("transaction", "cursor") and self._transaction is None:
            # A savepoint or cursor needs the transaction, which begins only with a statement.
            raise RuntimeError(f"{name}() before the batch's transaction began: await begin()")
        attribute = getattr(self.raw, name)
        if name not in _STATEMENTS:
            return attribute
        if name in _READS and self._reads_before_begin:
            return attribute
        return self._begun_first(attribute)

    def _begun_first(self, method: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
        async def call(*args: Any, **kwargs: Any) -> Any:
            await self.begin()
            return await method(*args, **kwargs)

        return call
