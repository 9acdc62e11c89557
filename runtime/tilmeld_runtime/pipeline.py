"""How every service handles Kafka records: read the CloudEvent, route on its `type`, validate
its data, and apply the handler's effect in one transaction with the inbox claim and the outbox
writes. Whatever cannot be read goes to the dead-letter topic; nothing stalls.

`process_batch` handles a whole fetched batch in ONE transaction — the records of a partition
in order. It closes with ONE statement (writes.py): the inbox claim, the writes the handlers
gathered (`Tx.write_at_commit`) and the outbox rows. The claim goes last on the assumption that
the batch is new; when a replay proves that wrong (the statement fails on a unique key), the
batch is handled again with the claim first, skipping what was handled before. The
transaction begins with the first statement a handler sends itself (lazy_tx.py), so a batch
that only reads in `prepare` and writes in the closing statement is two round trips.
If anything fails for a reason other than the infrastructure, the batch is rolled back and its
records are handled one by one with `process`, which handles each event in a savepoint,
retries it, and finally parks an event that keeps failing as a dead letter.
FastStream commits the offsets only after the handler returned, i.e. after the commit.

On the internal topics a record may be a bundle of events (tilmeld_contracts.internal.bundle_v1):
the inbox dedupes the bundle, and its events are handled in order like records of their own,
each with its own span, log context and correlation id. A bundle event that keeps failing is
dead-lettered alone; the rest of its bundle is decided.
"""

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import asyncpg
from pydantic import BaseModel

from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.internal.bundle_v1 import BUNDLE
from tilmeld_runtime import inbox, metrics, observe, outbox
from tilmeld_runtime.batch_inputs import Keys, SortedInputs
from tilmeld_runtime.batch_inputs import Record as Record  # as the pipeline takes it
from tilmeld_runtime.intake import (
    DeadLetter,
    Readable,
    classify,
    deadletter_headers,
    event_value,
)
from tilmeld_runtime.lazy_tx import LazyTransaction
from tilmeld_runtime.tx import Tx
from tilmeld_runtime.writes import Write, combined

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

# Errors that mean "the database or network is away", not "this input is bad": retry forever.
TRANSIENT = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.CannotConnectNowError,
    TimeoutError,
)
BUG_ATTEMPTS = 3
_claim_last = True


def configure_claim_last(enabled: bool) -> None:
    """Off: every batch claims its inputs first, in a transaction begun at once
    (`TILMELD_CLAIM_LAST`)."""
    global _claim_last
    _claim_last = enabled


Handler = Callable[[Tx, CloudEvent, M], Awaitable[None]]
InvalidHandler = Callable[[Tx, CloudEvent, str], Awaitable[None]]
# Called once per transaction, before the handlers, with every fresh valid input of the batch
# in order: lets a service read what the whole batch needs in one round trip (into `tx.cache`).
# It must only read: it may run before the batch's transaction begins (lazy_tx.py), where what
# it reads is what it would read inside (READ COMMITTED: what committed before each statement).
Prepare = Callable[[Tx, Sequence[tuple[CloudEvent, BaseModel]]], Awaitable[None]]


@dataclass(frozen=True)
class Route(Generic[M]):
    model: type[M]
    handle: Handler[M]
    # Called instead of dead-lettering when the data fails validation (e.g. to answer the sender
    # with a rejection). Runs in a transaction with the inbox claim, like `handle`.
    on_invalid: InvalidHandler | None = None
    # pydantic validation context for `model` (e.g. tilmeld_contracts.common.CHECKED_UPSTREAM
    # for data Tilmeld produced from inputs it validated at its edge).
    context: Mapping[str, Any] | None = None


@dataclass
class _Handled:
    outcomes: list[tuple[str, str]]  # each input's (type, outcome), in order
    committed: list[Callable[[], None]]  # to run once the batch committed
    duplicates: int  # inputs skipped as handled before


class Pipeline:
    def __init__(
        self,
        pool: asyncpg.Pool,
        topic: str,
        routes: dict[str, Route[Any]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        prepare: Prepare | None = None,
        bundles: bool | None = None,
        max_per_second: float | None = None,
    ) -> None:
        self._pool, self.topic, self._routes, self._clock = pool, topic, routes, clock
        self._prepare = prepare
        # Records per second this pipeline takes in at most while behind (gather.Pace); None:
        # as fast as it can.
        self.max_per_second = max_per_second
        # Bundles are read where Tilmeld writes them: its internal topics (default).
        self._bundles = topic in topics.INTERNAL_TOPICS if bundles is None else bundles

    @property
    def event_types(self) -> list[str]:
        """The CloudEvents types this pipeline reads (anything else is dead-lettered)."""
        return sorted([*self._routes, *([BUNDLE] if self._bundles else [])])

    async def process_batch(self, records: Sequence[Record]) -> None:
        started = time.perf_counter()
        try:
            outcomes = await self._in_one_transaction(records)
        except TRANSIENT:
            metrics.HANDLER_RETRIES.labels(self.topic).inc()
            log.warning(
                "transient error on a batch of %d; handing back to Kafka",
                len(records),
                exc_info=True,
            )
            await asyncio.sleep(1.0)
            raise  # FastStream nacks: the batch is redelivered, nothing is committed
        except Exception:
            log.exception("a batch of %d failed; handling its records one by one", len(records))
            for record in records:
                await self.process(record)
            return
        self._count(outcomes, started)

    async def process(self, record: Record) -> None:
        """One record in its own transaction, each of its events (a bundle holds several) in a
        savepoint of it: an event whose handler keeps failing is parked as a dead letter and
        the others go on."""
        started = time.perf_counter()
        try:
            outcomes = await self._in_one_transaction([record], isolate=True)
        except TRANSIENT:
            metrics.HANDLER_RETRIES.labels(self.topic).inc()
            log.warning(
                "transient error at %s/%s@%s; handing back to Kafka",
                record.topic,
                record.partition,
                record.offset,
                exc_info=True,
            )
            await asyncio.sleep(1.0)
            raise
        except Exception as error:  # not the handler: the inbox or the dead letter itself
            log.exception("handling %s/%s@%s failed", record.topic, record.partition, record.offset)
            await self._park(record, repr(error)[:500])
            outcomes = [("?", "deadlettered")]
        self._count(outcomes, started)

    def _count(self, outcomes: Sequence[tuple[str, str]], started: float) -> None:
        """Each input's outcome and its share of the batch's time. A child metric is looked up
        once per distinct label set, not per input (two lookups an input were ~2 % of a busy
        consumer's CPU)."""
        elapsed = (time.perf_counter() - started) / max(1, len(outcomes))
        for (label, outcome), count in Counter(outcomes).items():
            metrics.INPUTS.labels(self.topic, label, outcome).inc(count)
        seconds = metrics.HANDLER_SECONDS.labels(self.topic)
        for _ in outcomes:
            seconds.observe(elapsed)

    async def _in_one_transaction(
        self, records: Sequence[Record], isolate: bool = False
    ) -> list[tuple[str, str]]:
        inputs = [(record, classify(record, self._routes, self._bundles)) for record in records]
        keys = [i.key(r) if isinstance(i, DeadLetter) else i.key() for r, i in inputs]
        async with self._pool.acquire() as conn:
            handled: _Handled | None = None
            if _claim_last and not isolate:
                try:
                    handled = await self._claiming_last(conn, inputs, keys)
                except asyncpg.UniqueViolationError:
                    # The inbox's key, or another the replay of an input handled before
                    # violates first: a statement's parts run in no set order.
                    metrics.CLAIMED_AGAIN.labels(self.topic).inc()
                except asyncpg.exceptions.SerializationError:
                    # What a handler read without a lock changed before the closing statement
                    # (writes.unchanged): another instance during a rebalance.
                    metrics.CHANGED_MEANWHILE.labels(self.topic).inc()
            if handled is None:
                async with conn.transaction():
                    handled = await self._claiming_first(conn, inputs, keys, isolate)
        if handled.duplicates:
            metrics.INBOX_DUPLICATES.labels(self.topic).inc(handled.duplicates)
        for callback in handled.committed:
            callback()
        return handled.outcomes

    async def _claiming_last(
        self, conn: asyncpg.Connection, inputs: Sequence[tuple[Record, Any]], keys: Keys
    ) -> _Handled:
        """The batch on the assumption that none of it was handled before (only a replay after a
        crash or a rebalance brings back inputs handled before): the inbox claim goes into the
        closing statement, which fails on a key the inbox has. `prepare` reads before any
        transaction, and the transaction begins only when a handler sends a statement of its
        own, so a batch whose writes all go into the closing statement is two round trips: the
        read and the write."""
        lazy = LazyTransaction(conn)
        try:
            sorted_ = SortedInputs.of(inputs, keys, fresh=None)
            tx = Tx(lazy.as_connection(), self._clock(), reads_unlocked=lazy.reads_before_begin)
            try:
                with lazy.reads_before_begin():
                    await self._prepare_batch(tx, sorted_.todo)
                await self._handle(tx, sorted_.todo)
                for record, letter in sorted_.letters:  # before the closing statement: with it
                    tx.after_commit(await self._deadletter(tx.conn, record, letter))
                await _close(tx, conn, inbox.claim_write(sorted_.claimed, self.topic))
                await lazy.commit()
                return _Handled(sorted_.outcomes, tx.committed, sorted_.duplicates)
            finally:
                tx.close()
        except BaseException:
            await lazy.rollback()
            raise

    async def _claiming_first(
        self,
        conn: asyncpg.Connection,
        inputs: Sequence[tuple[Record, Any]],
        keys: Keys,
        isolate: bool,
    ) -> _Handled:
        """The batch in the caller's transaction, its new inputs claimed first."""
        fresh = await inbox.claim_many(conn, keys, self.topic)
        sorted_ = SortedInputs.of(inputs, keys, fresh)
        letters, outcomes = sorted_.letters, sorted_.outcomes
        if isolate:
            committed, failed = await self._each_in_a_savepoint(conn, sorted_.todo)
            for index, letter in failed:
                letters.append((sorted_.todo[index][0], letter))
                outcomes[sorted_.places[index]] = (letter.label, "deadlettered")
        else:
            tx = Tx(conn, self._clock())
            try:
                await self._prepare_batch(tx, sorted_.todo)
                await self._handle(tx, sorted_.todo)
                await _close(tx, conn)
                committed = tx.committed
            finally:
                tx.close()
        for record, letter in letters:
            committed.append(await self._deadletter(conn, record, letter))
        return _Handled(outcomes, committed, sorted_.duplicates)

    async def _prepare_batch(self, tx: Tx, todo: Sequence[tuple[Record, Readable]]) -> None:
        if self._prepare is not None and todo:
            await self._prepare(tx, [(i.event, i.data) for _, i in todo if i.data is not None])

    async def _handle(self, tx: Tx, todo: Sequence[tuple[Record, Readable]]) -> None:
        """The handlers of `todo` in order, then their flushes (`Tx.before_commit`)."""
        for record, item in todo:
            with observe.handling(record, item.event, item.trace) as correlation_id:
                tx.input, tx.correlation_id = item.event, correlation_id
                await _apply(tx, item)
            tx.input = tx.correlation_id = None
        for flush in tx.flushes.values():
            await flush()

    async def _each_in_a_savepoint(
        self, conn: asyncpg.Connection, todo: Sequence[tuple[Record, Readable]]
    ) -> tuple[list[Callable[[], None]], list[tuple[int, DeadLetter]]]:
        """Each item in a savepoint with a transaction view of its own, retried; one that keeps
        failing is rolled back alone and comes back as a dead letter."""
        now = self._clock()
        committed: list[Callable[[], None]] = []
        failed: list[tuple[int, DeadLetter]] = []
        for index, (record, item) in enumerate(todo):
            for attempt in range(1, BUG_ATTEMPTS + 1):
                tx = Tx(conn, now)
                try:
                    async with conn.transaction():
                        await self._handle(tx, [(record, item)])
                        await _close(tx, conn)
                    committed.extend(tx.committed)
                    break
                except TRANSIENT:
                    raise
                except Exception as error:
                    log.exception(
                        "handling %s (%s/%s@%s, bundle index %s) failed (attempt %d)",
                        item.event.id,
                        record.topic,
                        record.partition,
                        record.offset,
                        item.index,
                        attempt,
                    )
                    if attempt < BUG_ATTEMPTS:
                        await asyncio.sleep(0.2 * attempt)
                        continue
                    value = event_value(item.event, item.index)
                    detail = repr(error)[:500]
                    letter = DeadLetter("processing_failed", detail, "?", item.index, value)
                    failed.append((index, letter))
                    break
                finally:
                    tx.close()
        return committed, failed

    async def _deadletter(
        self, conn: asyncpg.Connection, record: Record, letter: DeadLetter
    ) -> Callable[[], None]:
        """Queue the dead letter; returns its count, to run once the transaction committed (an
        attempt rolled back, e.g. a replay's first, must not count)."""
        with observe.unreadable(record):
            log.warning(
                "dead-letter %s/%s@%s%s: %s: %s",
                record.topic,
                record.partition,
                record.offset,
                "" if letter.index is None else f" (bundle index {letter.index})",
                letter.reason,
                letter.detail,
            )
        headers = deadletter_headers(record, letter.reason, letter.detail, letter.index)
        value = record.value if letter.value is None else letter.value
        await outbox.enqueue_raw(conn, topics.DEADLETTER, record.key, value, headers)
        return metrics.DEADLETTERED.labels(self.topic, letter.reason).inc

    async def _park(self, record: Record, detail: str) -> None:
        """A record that cannot even be handled event by event: dead-letter it whole so its
        partition moves on."""
        letter = DeadLetter("processing_failed", detail, "?")
        count = None
        async with self._pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, *letter.key(record), self.topic):
                count = await self._deadletter(conn, record, letter)
        if count is not None:
            count()


async def _close(tx: Tx, conn: asyncpg.Connection, claim: Write | None = None) -> None:
    """The batch's closing statement: the inbox claim (if not made first), the handlers' writes
    (`Tx.write_at_commit`) and the outbox rows, as one statement (writes.py)."""
    gathered = [write for build in tx.writes.values() for write in build()]
    parts = [claim, *gathered, outbox.events_write(tx.pending, tx.trace)]
    writes_ = [w for w in parts if w is not None]
    if writes_:
        statement = combined(writes_)
        await conn.execute(statement.sql, *statement.args)


async def _apply(tx: Tx, item: Readable) -> None:
    if item.data is None:
        assert item.invalid_detail is not None and item.route.on_invalid is not None
        await item.route.on_invalid(tx, item.event, item.invalid_detail)
        return
    await item.route.handle(tx, item.event, item.data)
