"""Fires the reminder schedule (`reminder_slots`): a slot that has come due becomes one mail job
per person with a seat at that moment, in the same transaction that marks the slot fired. The
schedule lives in PostgreSQL, so a restart (or another instance) picks up where this left off;
the clock is passed in, so tests need not wait for days."""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

import asyncpg

from notification.adapters import events_table, registrations_table, reminders_table
from notification.domain.reminders import Slot, decide_due
from notification.service import fanout, metrics

log = logging.getLogger(__name__)
SOURCE = "urn:tilmeld:notification:reminders"


class ReminderScheduler:
    def __init__(
        self, pool: asyncpg.Pool, clock: Callable[[], datetime], *, poll_seconds: float = 30.0
    ) -> None:
        self._pool, self._clock, self._poll_seconds = pool, clock, poll_seconds
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="reminders")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task

    async def fire_due(self) -> int:
        """Fire what is due now; returns how many slots were settled."""
        now = self._clock()
        async with self._pool.acquire() as conn, conn.transaction():
            due = await reminders_table.claim_due(conn, now)
            for slot, outcome in decide_due(due, now):
                recipients = await self._send(conn, slot) if outcome == "send" else 0
                await reminders_table.mark_fired(conn, slot, outcome, recipients, now)
                metrics.REMINDER_SLOTS.labels(outcome).inc()
                log.info(
                    "reminder %s/%s %d days before: %s (%d recipients)",
                    slot.event_id,
                    slot.part_id,
                    slot.days_before,
                    outcome,
                    recipients,
                )
        return len(due)

    async def _send(self, conn: asyncpg.Connection, slot: Slot) -> int:
        if await events_table.is_cancelled(conn, slot.event_id):
            return 0
        audience = await registrations_table.of_event(conn, slot.event_id, ["confirmed"])
        return await fanout.enqueue(
            conn,
            source=SOURCE,
            cause_id=f"{slot.event_id}/{slot.part_id}/{slot.days_before}/{slot.due_at.isoformat()}",
            fact_type="reminder",
            kind="reminder",
            event_id=slot.event_id,
            audience=audience,
            payload=lambda _: {"part_id": slot.part_id, "days_before": slot.days_before},
        )

    async def _run(self) -> None:
        while not self._stop.is_set():
            wait = self._poll_seconds
            try:
                while await self.fire_due():
                    pass
                async with self._pool.acquire() as conn:
                    upcoming = await reminders_table.next_due(conn)
                if upcoming is not None:
                    ahead = (upcoming - self._clock()).total_seconds()
                    wait = max(0.05, min(wait, ahead))
            except Exception:  # outlives database outages, like the mailer
                log.exception("reminder scheduler failed; retrying")
                wait = min(wait, 5.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), wait)
