"""The offer timer: a background worker that fires each open offer's timer at its deadline.

It sleeps until the earliest expiry (a NOTIFY wakes it when a new timer is set; it also looks
every `poll_seconds` in case one was missed). When timers are due it takes them FOR UPDATE SKIP
LOCKED, queues an expire-offer command per timer to capacity's own command topic (keyed by the
event id) and deletes them, in ONE transaction. The command is then decided by the consumer in
order with the event's other commands: the consumer stays the single writer of seats.

The timers are rows, so they survive restarts: a timer due while the service was down fires
at start. A crash before the commit leaves the rows, which fire again; after it, the outbox
holds the command. Its CloudEvents id is derived from the timer, so a republish is absorbed by
the inbox, and a command for an offer that was answered meanwhile is ignored by the domain."""

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import asyncpg

from capacity.adapters import offer_timers
from capacity.service import metrics
from capacity.service.translate import expire_offer_event
from tilmeld_contracts import topics
from tilmeld_runtime.outbox import enqueue_events
from tilmeld_runtime.wakeup import WakeSignal

log = logging.getLogger(__name__)
MIN_WAIT = 0.02  # never spin, e.g. on a due row another instance holds


class OfferTimer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        signal: WakeSignal,
        *,
        poll_seconds: float = 5.0,
        batch_size: int = 200,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool, self._signal = pool, signal
        self._poll_seconds, self._batch_size, self._clock = poll_seconds, batch_size, clock
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="offer-timer")

    async def stop(self) -> None:
        self._stopping = True
        self._signal.set()
        if self._task is not None:
            await self._task
        await self._signal.close()

    def wake(self) -> None:
        """Look again now (e.g. after the clock moved)."""
        self._signal.set()

    async def fire_due(self) -> int:
        """Fire the timers due now, up to one batch; returns how many fired."""
        now = self._clock()
        async with self._pool.acquire() as conn, conn.transaction():
            due = await offer_timers.take_due(conn, now, self._batch_size)
            commands = [
                (topics.CAPACITY_COMMANDS, t.event_id, expire_offer_event(t, now)) for t in due
            ]
            await enqueue_events(conn, commands)
        for timer in due:
            lateness = (now - timer.expires_at).total_seconds()
            metrics.OFFER_TIMER_LATENESS.observe(max(0.0, lateness))
            log.info(
                "offer to %s in %s expired at %s; fired %.3fs later",
                timer.registration_id,
                timer.event_id,
                timer.expires_at,
                lateness,
            )
        metrics.OFFER_TIMERS_FIRED.inc(len(due))
        return len(due)

    async def seconds_to_next(self) -> float:
        """Until the earliest timer is due, at most `poll_seconds`."""
        async with self._pool.acquire() as conn:
            expiry = await offer_timers.next_expiry(conn)
        if expiry is None:
            return self._poll_seconds
        until = (expiry - self._clock()).total_seconds()
        return min(self._poll_seconds, max(MIN_WAIT, until))

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            try:
                await self._signal.ensure_listening()
                while not self._stopping and await self.fire_due() >= self._batch_size:
                    pass
                wait = await self.seconds_to_next()
                backoff = 0.5
            except Exception:  # the timer outlives database outages
                metrics.OFFER_TIMER_ERRORS.inc()
                log.exception("offer timer failed; retrying in %.1fs", backoff)
                await self._signal.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not self._stopping:
                await self._signal.wait(wait)
