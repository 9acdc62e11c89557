"""How every service handles Kafka records: read the CloudEvent, route on its `type`, validate
its data, and apply the handler's effect in one transaction with the inbox claim and the outbox
writes. Whatever cannot be read goes to the dead-letter topic; nothing stalls.

`process_batch` handles a whole fetched batch in ONE transaction (one inbox round trip, one
outbox write, one commit) — the records of a partition in order. If anything in it fails for a
reason other than the infrastructure, the batch is rolled back and its records are handled one
by one with `process`, which retries and finally parks a failing record as a dead letter.
FastStream commits the offsets only after the handler returned, i.e. after the commit.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeAlias, TypeVar

import asyncpg
from aiokafka import ConsumerRecord
from pydantic import BaseModel

from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime import inbox, metrics, observe, outbox
from tilmeld_runtime.intake import DeadLetter, Readable, classify, deadletter_headers
from tilmeld_runtime.tx import Tx

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Record: TypeAlias = ConsumerRecord[bytes, bytes]

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


Handler = Callable[[Tx, CloudEvent, M], Awaitable[None]]
InvalidHandler = Callable[[Tx, CloudEvent, str], Awaitable[None]]
# Called once per transaction, before the handlers, with every fresh valid input of the batch
# in order: lets a service read what the whole batch needs in one round trip (into `tx.cache`).
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


class Pipeline:
    def __init__(
        self,
        pool: asyncpg.Pool,
        topic: str,
        routes: dict[str, Route[Any]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        prepare: Prepare | None = None,
    ) -> None:
        self._pool, self.topic, self._routes, self._clock = pool, topic, routes, clock
        self._prepare = prepare

    @property
    def event_types(self) -> list[str]:
        """The CloudEvents types this pipeline routes (anything else is dead-lettered)."""
        return sorted(self._routes)

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
        elapsed = (time.perf_counter() - started) / max(1, len(records))
        for label, outcome in outcomes:
            metrics.INPUTS.labels(self.topic, label, outcome).inc()
            metrics.HANDLER_SECONDS.labels(self.topic).observe(elapsed)

    async def process(self, record: Record) -> None:
        """One record in its own transaction, retried; a persistent bug parks it."""
        started = time.perf_counter()
        attempt = 0
        while True:
            try:
                [outcome] = await self._in_one_transaction([record])
                break
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
            except Exception as error:
                attempt += 1
                log.exception(
                    "handling %s/%s@%s failed (attempt %d)",
                    record.topic,
                    record.partition,
                    record.offset,
                    attempt,
                )
                if attempt >= BUG_ATTEMPTS:
                    await self._park(record, repr(error)[:500])
                    outcome = ("?", "deadlettered")
                    break
                await asyncio.sleep(0.2 * attempt)
        metrics.INPUTS.labels(self.topic, *outcome).inc()
        metrics.HANDLER_SECONDS.labels(self.topic).observe(time.perf_counter() - started)

    async def _in_one_transaction(self, records: Sequence[Record]) -> list[tuple[str, str]]:
        inputs = [(record, classify(record, self._routes)) for record in records]
        keys = [i.key(r) if isinstance(i, DeadLetter) else i.key() for r, i in inputs]
        outcomes: list[tuple[str, str]] = []
        async with self._pool.acquire() as conn, conn.transaction():
            fresh = await inbox.claim_many(conn, keys, self.topic)
            tx = Tx(conn, self._clock())
            letters: list[tuple[Record, DeadLetter]] = []
            todo: list[tuple[Record, Readable]] = []
            for (record, item), key in zip(inputs, keys, strict=True):
                if key not in fresh:
                    metrics.INBOX_DUPLICATES.labels(self.topic).inc()
                    outcomes.append((_label(item), "duplicate"))
                    continue
                fresh.discard(key)  # a second copy within the batch is a duplicate too
                if isinstance(item, DeadLetter):
                    letters.append((record, item))
                    outcomes.append((item.label, "deadlettered"))
                    continue
                todo.append((record, item))
                outcome = "handled" if item.data is not None else "invalid"
                outcomes.append((item.event.type, outcome))
            if self._prepare is not None and todo:
                await self._prepare(tx, [(i.event, i.data) for _, i in todo if i.data is not None])
            for record, item in todo:
                with observe.handling(record, item.event) as correlation_id:
                    tx.input, tx.correlation_id = item.event, correlation_id
                    await _apply(tx, item)
                tx.input = tx.correlation_id = None
            for flush in tx.flushes.values():
                await flush()
            await outbox.enqueue_events(conn, tx.pending, tx.trace)
            for record, letter in letters:
                await self._deadletter(conn, record, letter.reason, letter.detail)
        for callback in tx.committed:
            callback()
        return outcomes

    async def _deadletter(
        self, conn: asyncpg.Connection, record: Record, reason: str, detail: str
    ) -> None:
        with observe.unreadable(record):
            log.warning(
                "dead-letter %s/%s@%s: %s: %s",
                record.topic,
                record.partition,
                record.offset,
                reason,
                detail,
            )
        headers = deadletter_headers(record, reason, detail)
        await outbox.enqueue_raw(conn, topics.DEADLETTER, record.key, record.value, headers)
        metrics.DEADLETTERED.labels(self.topic, reason).inc()

    async def _park(self, record: Record, detail: str) -> None:
        """A record whose handler keeps failing: dead-letter it so its partition moves on."""
        letter = DeadLetter("processing_failed", detail, "?")
        async with self._pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, *letter.key(record), self.topic):
                await self._deadletter(conn, record, letter.reason, letter.detail)


async def _apply(tx: Tx, item: Readable) -> None:
    if item.data is None:
        assert item.invalid_detail is not None and item.route.on_invalid is not None
        await item.route.on_invalid(tx, item.event, item.invalid_detail)
        return
    await item.route.handle(tx, item.event, item.data)


def _label(item: DeadLetter | Readable) -> str:
    return item.label if isinstance(item, DeadLetter) else item.event.type
