"""The mailer: a background worker that sends pending mail jobs, oldest first.

Exactly-once is approached, not reached. Each job is handled in ONE database transaction that
locks it (FOR UPDATE SKIP LOCKED), sends it over SMTP, marks it sent and enqueues
notification.sent in the outbox. Remaining window: the relay accepted the mail but the commit
did not happen (crash, database gone, shutdown timeout). The job is then still pending and is
sent again. The Message-ID is the same (`<job-id@tilmeld>`), so the duplicate is recognisable,
and only one notification.sent is ever committed. SMTP has no way to ask "did you get this?";
losing mails would be worse than the rare duplicate.
"""

import asyncio
import logging
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from notification.adapters import jobs_table
from notification.adapters.job_signal import JobSignal
from notification.adapters.jobs_table import MailJob
from notification.domain.retry import RetryPolicy
from notification.service import metrics, notifications
from notification.service.delivery import Delivery, Failed, Outcome, Sent
from notification.service.rate_limit import RateLimit
from tilmeld_runtime.outbox import enqueue_events

log = logging.getLogger(__name__)


class Mailer:
    def __init__(
        self, pool: asyncpg.Pool, delivery: Delivery, signal: JobSignal, *,
        retry: RetryPolicy | None = None, rate: RateLimit | None = None,
        poll_seconds: float = 1.0, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool, self._delivery, self._signal = pool, delivery, signal
        self._retry, self._rate = retry or RetryPolicy(), rate or RateLimit(20.0)
        self._poll_seconds, self._clock = poll_seconds, clock
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="mailer")

    async def stop(self) -> None:
        """Finish the mail in flight, then stop. If the host's patience runs out first, the
        cancellation rolls that job back and it is sent again on the next start."""
        self._stopping = True
        self._signal.set()
        if self._task is not None:
            await self._task
        await self._signal.close()

    async def send_next(self) -> bool:
        """Send the next due job, if any; False when there is none."""
        async with self._pool.acquire() as conn, conn.transaction():
            job = await jobs_table.claim_next(conn, self._clock())
            if job is None:
                return False
            await self._rate.wait()
            with metrics.SEND_SECONDS.time():
                outcome = await self._delivery.deliver(job)
            await self._record(conn, job, outcome)
        return True

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            try:
                await self._signal.ensure_listening()
                while not self._stopping and await self.send_next():
                    pass
                backoff = 0.5
                async with self._pool.acquire() as conn:
                    metrics.PENDING.set(await jobs_table.count_pending(conn))
            except Exception:  # the mailer outlives database outages
                metrics.MAILER_ERRORS.inc()
                log.exception("mailer failed; retrying in %.1fs", backoff)
                await self._signal.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not self._stopping:
                await self._signal.wait(self._poll_seconds)

    async def _record(self, conn: asyncpg.Connection, job: MailJob, outcome: Outcome) -> None:
        now = self._clock()
        ids: dict[str, Any] = {
            "notification_id": str(job.id), "registration_id": job.registration_id,
            "event_id": job.event_id, "template": job.template, "recipient": job.recipient,
            "now": now,
        }
        if isinstance(outcome, Sent):
            await jobs_table.mark_sent(conn, job.id, outcome.message_id)
            await enqueue_events(conn, [notifications.sent(message_id=outcome.message_id, **ids)])
            log.info("sent %s mail %s for %s", job.template, outcome.message_id, job.event_id)
            metrics.MAILS.labels(job.template, "sent").inc()
            return
        if isinstance(outcome, Failed):
            reason, detail = outcome.reason, outcome.detail
        elif self._retry.gives_up_after(job.attempts + 1):
            reason, detail = "retries_exhausted", outcome.detail
        else:
            delay = self._retry.delay(job.attempts + 1, random.random())
            await jobs_table.put_back(conn, job.id, now + timedelta(seconds=delay), outcome.detail)
            log.warning("mail job %s put back for %.0fs: %s", job.id, delay, outcome.detail)
            metrics.MAILS.labels(job.template, "retry").inc()
            return
        await jobs_table.mark_failed(conn, job.id, f"{reason}: {detail}")
        await enqueue_events(conn, [notifications.failed(reason=reason, detail=detail, **ids)])
        log.warning("mail job %s failed: %s: %s", job.id, reason, detail)
        metrics.MAILS.labels(job.template, "failed").inc()
