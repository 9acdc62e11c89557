"""Delivers webhooks: POST the CloudEvent, signed, to each subscription; ordered per
subscription and registration; retried with backoff (and jitter) for up to 24 hours; a 410
disables the subscription. Every attempt is logged in `webhook_attempts`.

Delivery is at least once: the POST happens inside the transaction that records its outcome,
so a crash between the receiver's answer and the commit sends the same body again. Receivers
deduplicate on the `Tilmeld-Delivery` header (or the CloudEvent's source + id)."""

import asyncio
import logging
import random
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import asyncpg
import orjson

from notification.adapters import webhooks_table
from notification.adapters.job_signal import JobSignal
from notification.adapters.webhook_http import Unreachable
from notification.domain.webhooks import SIGNATURE_HEADER, WebhookRetry, answer, signature
from notification.service import metrics

log = logging.getLogger(__name__)
CHANNEL = "webhook_deliveries"
_OURS = "dk.tilmeld."


class Poster(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> int: ...
    async def close(self) -> None: ...


class WebhookSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        poster: Poster,
        signal: JobSignal,
        *,
        clock: Callable[[], datetime],
        retry: WebhookRetry | None = None,
        workers: int = 2,
        poll_seconds: float = 1.0,
    ) -> None:
        self._pool, self._poster, self._signal, self._clock = pool, poster, signal, clock
        self._retry, self._workers, self._poll_seconds = (
            retry or WebhookRetry(),
            workers,
            poll_seconds,
        )
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._stopping = False
        for outcome in ("delivered", "retry", "failed", "gone"):  # at 0 from the start
            metrics.WEBHOOKS.labels(outcome)
        self._tasks = [
            asyncio.create_task(self._run(), name=f"webhooks-{n}") for n in range(self._workers)
        ]

    async def stop(self) -> None:
        self._stopping = True
        self._signal.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._signal.close()
        await self._poster.close()

    async def deliver_next(self) -> bool:
        """Attempt the next due delivery, if any; False when there is none."""
        async with self._pool.acquire() as conn, conn.transaction():
            now = self._clock()
            delivery = await webhooks_table.claim_next(conn, now)
            if delivery is None:
                return False
            timestamp = int(now.timestamp())
            headers = {
                "Content-Type": "application/cloudevents+json",
                SIGNATURE_HEADER: signature(delivery.secret, timestamp, delivery.body),
                "Tilmeld-Delivery": str(delivery.id),
                "Tilmeld-Subscription": delivery.subscription_id,
                "User-Agent": "tilmeld-webhooks/1",
            }
            started = time.perf_counter()
            code: int | None = None
            error: str | None = None
            try:
                code = await self._poster.post(delivery.url, delivery.body, headers)
            except Unreachable as unreachable:
                error = str(unreachable)[:2000]
            elapsed = int((time.perf_counter() - started) * 1000)
            await webhooks_table.log_attempt(conn, delivery.id, now, code, error, elapsed)
            outcome = await self._settle(conn, delivery, now, code, error)
        # Counted once committed: an attempt whose transaction failed is made again.
        metrics.WEBHOOKS.labels(outcome).inc()
        if outcome != "retry":
            sent = "sent" if outcome == "delivered" else "failed"
            metrics.NOTIFICATIONS.labels("webhook", _type_of(delivery.body), sent).inc()
        return True

    async def _settle(
        self,
        conn: asyncpg.Connection,
        delivery: webhooks_table.Delivery,
        now: datetime,
        code: int | None,
        error: str | None,
    ) -> str:
        """Record the attempt's outcome: delivered, gone, retry or failed."""
        outcome = answer(code)
        if outcome == "delivered":
            await webhooks_table.finish(conn, delivery.id, "delivered", code, None)
        elif outcome == "gone":
            await webhooks_table.finish(conn, delivery.id, "failed", code, "410 Gone")
            await webhooks_table.disable(conn, delivery.subscription_id, "410 Gone")
            log.warning("webhook %s answered 410 Gone: disabled", delivery.subscription_id)
        else:
            detail = error or f"HTTP {code}"
            at = self._retry.next_attempt(
                delivery.created_at, delivery.attempts + 1, now, random.random()
            )
            if at is None:
                await webhooks_table.finish(
                    conn, delivery.id, "failed", code, f"gave up after 24 hours: {detail}"
                )
                return "failed"
            await webhooks_table.retry_at(conn, delivery.id, at, code, detail)
        return outcome

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._signal.ensure_listening()
                while not self._stopping and await self.deliver_next():
                    pass
                async with self._pool.acquire() as conn:
                    metrics.WEBHOOKS_PENDING.set(await webhooks_table.count_pending(conn))
            except Exception:  # outlives database outages
                log.exception("webhook sender failed; retrying")
                await asyncio.sleep(1.0)
                continue
            if not self._stopping:
                await self._signal.wait(self._poll_seconds)


def _type_of(body: bytes) -> str:
    """The delivered CloudEvent's type, short ("registration.confirmed"): a bounded label."""
    try:
        type_ = orjson.loads(body).get("type")
    except (orjson.JSONDecodeError, AttributeError):
        return "unknown"
    if not isinstance(type_, str) or not type_.startswith(_OURS):
        return "unknown"
    return type_.removeprefix(_OURS).rsplit(".v", 1)[0]
