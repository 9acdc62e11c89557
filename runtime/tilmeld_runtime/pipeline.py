"""How every service handles one Kafka record: read the CloudEvent, route on its `type`,
validate its data, and apply the handler's effect in one transaction with the inbox claim and
the outbox writes. Whatever cannot be read goes to the dead-letter topic; nothing stalls.

Offsets are committed by FastStream only after `process` returns, i.e. after the commit.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import asyncpg
from aiokafka import ConsumerRecord
from pydantic import BaseModel, ValidationError

from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent, UnreadableRecord, read_record, validation_detail
from tilmeld_runtime import inbox, metrics, outbox

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


@dataclass
class Tx:
    """What a handler may touch: the transaction's connection, the clock, and `emit`."""

    conn: asyncpg.Connection
    now: datetime
    pending: list[tuple[str, str, CloudEvent]] = field(default_factory=list)

    def emit(self, topic: str, key: str, event: CloudEvent) -> None:
        self.pending.append((topic, key, event))


Handler = Callable[[Tx, CloudEvent, M], Awaitable[None]]
InvalidHandler = Callable[[Tx, CloudEvent, str], Awaitable[None]]


@dataclass(frozen=True)
class Route(Generic[M]):
    model: type[M]
    handle: Handler[M]
    # Called instead of dead-lettering when the data fails validation (e.g. to answer the sender
    # with a rejection). Runs in a transaction with the inbox claim, like `handle`.
    on_invalid: InvalidHandler | None = None


class Pipeline:
    def __init__(
        self,
        pool: asyncpg.Pool,
        topic: str,
        routes: dict[str, Route[Any]],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool, self.topic, self._routes, self._clock = pool, topic, routes, clock

    async def process(self, record: ConsumerRecord[bytes, bytes]) -> None:
        started = time.perf_counter()
        attempt = 0
        while True:
            try:
                outcome = await self._process_once(record)
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
                raise  # FastStream nacks: the record is redelivered, nothing is committed
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
                    await self._deadletter(record, "processing_failed", repr(error)[:500])
                    outcome = ("?", "deadlettered")
                    break
                await asyncio.sleep(0.2 * attempt)
        metrics.INPUTS.labels(self.topic, outcome[0], outcome[1]).inc()
        metrics.HANDLER_SECONDS.labels(self.topic).observe(time.perf_counter() - started)

    async def _process_once(self, record: ConsumerRecord[bytes, bytes]) -> tuple[str, str]:
        headers = list(record.headers or ())
        try:
            event = read_record(record.value, headers)
        except UnreadableRecord as error:
            await self._deadletter(record, error.reason, error.detail)
            return "unreadable", "deadlettered"
        route = self._routes.get(event.type)
        if route is None:
            await self._deadletter(
                record, "unknown_type", f"unknown CloudEvents type {event.type!r}"
            )
            return "unknown", "deadlettered"
        try:
            data = route.model.model_validate(event.data)
        except ValidationError as error:
            detail = validation_detail(error)
            if route.on_invalid is None:
                await self._deadletter(record, "invalid_data", detail)
                return event.type, "deadlettered"
            on_invalid = route.on_invalid
            outcome = await self._in_transaction(
                event, lambda tx: on_invalid(tx, event, detail), "invalid"
            )
            return event.type, outcome
        return event.type, await self._in_transaction(
            event, lambda tx: route.handle(tx, event, data), "handled"
        )

    async def _in_transaction(
        self, event: CloudEvent, effect: Callable[[Tx], Awaitable[None]], outcome: str
    ) -> str:
        async with self._pool.acquire() as conn, conn.transaction():
            if not await inbox.claim(conn, event.source, event.id, self.topic):
                metrics.INBOX_DUPLICATES.labels(self.topic).inc()
                return "duplicate"
            tx = Tx(conn, self._clock())
            await effect(tx)
            await outbox.enqueue_events(conn, tx.pending)
        return outcome

    async def _deadletter(
        self, record: ConsumerRecord[bytes, bytes], reason: str, detail: str
    ) -> None:
        log.warning(
            "dead-letter %s/%s@%s: %s: %s",
            record.topic,
            record.partition,
            record.offset,
            reason,
            detail,
        )
        headers = [
            *[(k, v) for k, v in (record.headers or ()) if not k.startswith("tilmeld-")],
            ("tilmeld-error", reason.encode()),
            ("tilmeld-detail", detail.encode()[:2000]),
            ("tilmeld-topic", record.topic.encode()),
            ("tilmeld-partition", str(record.partition).encode()),
            ("tilmeld-offset", str(record.offset).encode()),
        ]
        position = f"kafka:{record.topic}/{record.partition}"
        async with self._pool.acquire() as conn, conn.transaction():
            if await inbox.claim(conn, position, str(record.offset), self.topic):
                await outbox.enqueue_raw(conn, topics.DEADLETTER, record.key, record.value, headers)
                metrics.DEADLETTERED.labels(self.topic, reason).inc()
