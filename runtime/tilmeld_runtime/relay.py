"""The outbox relay: the only component that publishes. It reads committed outbox rows in
order, publishes them with an idempotent producer, waits for the broker's acks and only then
deletes them. A crash between publish and delete republishes; consumers' inboxes absorb that.

One relay per database is active at a time (a PostgreSQL advisory lock), so a second instance of
a service cannot publish the same rows out of order; it stands by and takes over if the first dies.
"""

import asyncio
import contextlib
import logging
import time
from typing import Any

import asyncpg
from aiokafka import AIOKafkaProducer

from tilmeld_runtime import metrics, record_batches
from tilmeld_runtime.partitioner import partition_for

log = logging.getLogger(__name__)
_RELAY_LOCK = 7_431_002
# Counting scans the outbox: during a rush (thousands of rows, a cycle every few milliseconds)
# counting after every cycle cost a round trip and a scan each time, for a gauge scraped every 5 s.
_BACKLOG_COUNT_SECONDS = 2.0
_COLUMNS = (
    "seq, topic, key, value, header_names, header_values, records, record_count,"
    " extract(epoch FROM created_at) AS created"
)
# The next rows in order, at most $1 of them and as many as start within $1 records (a row may
# hold up to record_batches.MAX_RECORDS): a cycle publishes fewer than 2 × $1 records.
_WITHIN_BUDGET = """
SELECT {columns} FROM (
    SELECT *, sum(record_count) OVER (ORDER BY seq) - record_count AS records_before
    FROM outbox {where} ORDER BY seq LIMIT $1
) o WHERE records_before < $1 ORDER BY seq
"""
_NEXT = _WITHIN_BUDGET.format(columns=_COLUMNS, where="")
# Deletes the rows just acknowledged and reads the next ones in one round trip. The SELECT sees
# the table as the statement began, so it skips those rows itself: cheap for a few dozen (the
# batches of steady traffic, where the round trip is latency on every hop), not for hundreds
# (a rush), which get a DELETE of their own first.
_DELETE_AND_NEXT = "WITH gone AS (DELETE FROM outbox WHERE seq = ANY($2::bigint[]))" + (
    _WITHIN_BUDGET.format(columns=_COLUMNS, where="WHERE seq <> ALL($2::bigint[])")
)
_MERGE_AT_MOST = 64
_DELETE_WHEN_QUIET_SECONDS = 0.05

# The relay's producer (the benchmark's floor uses the same: bench/floor_relay.py).
PRODUCER_SETTINGS: dict[str, Any] = {
    "acks": "all",
    "enable_idempotence": True,
    # The relay hands the producer a whole batch before it waits for the acks, so the batch
    # forms without lingering: a 20-record cycle took 0.65 ms instead of 3.25, with less CPU
    # (0.36 against 0.55 s per 20,000 records).
    "linger_ms": 0,
    # One event's records share a partition, and aiokafka sends a partition's batches one
    # request at a time: with the default 16 KB a 500-row cycle was 30-60 produce round trips
    # (63 for 500 rows of 1 KB in test_relay), each waiting for the last. Kafka takes up to
    # 1 MB per batch (message.max.bytes).
    "max_batch_size": 1_000_000,
    "partitioner": partition_for,
}


class OutboxRelay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        dsn: str,
        bootstrap: str,
        *,
        batch_size: int = 500,
        client_id: str = "tilmeld-relay",
        defer_seconds: float = 0.0,
    ) -> None:
        """`defer_seconds`: how long this relay lets the relays of the service's other processes
        take the lock first; it stands by after that, as every relay that finds the lock taken."""
        self._pool, self._dsn, self._batch_size = pool, dsn, batch_size
        self._defer_seconds = defer_seconds
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            request_timeout_ms=15000,
            **PRODUCER_SETTINGS,
        )
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._next_backlog_count = 0.0
        self._acknowledged: list[int] = []  # published, not yet deleted
        self.active = False

    async def start(self) -> None:
        await self._producer.start()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self, grace: float = 10.0) -> None:
        """Publish what is committed, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, grace)
        await self._producer.stop()
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()

    def wake(self) -> None:
        self._wake.set()

    async def _run(self) -> None:
        if self._defer_seconds:
            await self._sleep(self._defer_seconds)
        backoff = 0.2
        while True:
            try:
                if not self.active:
                    await self._become_active()
                    if not self.active:
                        if self._stopping:
                            return
                        await self._sleep(2.0)
                        continue
                published = await self._publish_batch()
                backoff = 0.2
                if published and (
                    published >= self._batch_size or self._wake.is_set() or self._stopping
                ):
                    continue  # more is waiting, or stopping: delete what was acknowledged
                if self._stopping:
                    return
                # New rows always come with a wake-up (their NOTIFY), so a cycle that was not
                # full need not look again at once: the acknowledged rows are deleted by the
                # statement that reads the next ones (one round trip per cycle, not two), or
                # after a quiet moment.
                await self._sleep(_DELETE_WHEN_QUIET_SECONDS if self._acknowledged else 1.0)
            except Exception:  # the relay must outlive broker and database outages
                metrics.RELAY_ERRORS.inc()
                log.exception("outbox relay failed; retrying in %.1fs", backoff)
                if self._stopping:
                    return
                await self._drop_listener()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    async def _become_active(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        if await conn.fetchval("SELECT pg_try_advisory_lock($1)", _RELAY_LOCK):
            await conn.add_listener("outbox", lambda *_: self._wake.set())
            self._listener, self.active = conn, True
            log.info("outbox relay active")
        else:
            await conn.close()

    async def _drop_listener(self) -> None:
        self.active = False
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None

    async def _next_rows(self) -> list[asyncpg.Record]:
        """Delete the rows acknowledged last cycle and read the next ones, in order."""
        done = self._acknowledged
        if 0 < len(done) <= _MERGE_AT_MOST:
            rows = await self._pool.fetch(_DELETE_AND_NEXT, self._batch_size, done)
        else:
            if done:
                await self._pool.execute("DELETE FROM outbox WHERE seq = ANY($1::bigint[])", done)
            rows = await self._pool.fetch(_NEXT, self._batch_size)
        self._acknowledged = []
        return list(rows)

    async def _publish_batch(self) -> int:
        assert self._listener is not None
        if self._listener.is_closed():
            raise ConnectionError("relay lock connection lost")
        rows = await self._next_rows()
        if not rows:
            metrics.OUTBOX_BACKLOG.set(0)
            metrics.OUTBOX_OLDEST_AGE.set(0)
            return 0
        metrics.OUTBOX_OLDEST_AGE.set(max(0.0, time.time() - float(rows[0]["created"])))
        acks = []
        per_topic: dict[str, int] = {}
        for row in rows:
            topic, key = row["topic"], row["key"]
            for value, headers in record_batches.records_of(row):
                acks.append(await self._producer.send(topic, value=value, key=key, headers=headers))
            per_topic[topic] = per_topic.get(topic, 0) + row["record_count"]
        await asyncio.gather(*acks)
        self._acknowledged = [row["seq"] for row in rows]
        for topic, count in per_topic.items():
            metrics.RELAY_PUBLISHED.labels(topic).inc(count)
        if time.monotonic() >= self._next_backlog_count:
            self._next_backlog_count = time.monotonic() + _BACKLOG_COUNT_SECONDS
            metrics.OUTBOX_BACKLOG.set(
                await self._pool.fetchval("SELECT coalesce(sum(record_count), 0) FROM outbox")
            )
        return len(acks)
