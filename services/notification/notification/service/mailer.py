"""The mailer: a background worker that sends pending mail jobs, individual outcomes before
fan-outs, oldest first.

Each job is handled in ONE database transaction that locks it (FOR UPDATE SKIP LOCKED), sends it
over SMTP, marks it sent and enqueues notification.sent in the outbox. Before the send, a row in
`mail_in_flight` is committed on a second connection; the job's transaction deletes it with the
outcome. So each job is in one of three states: never attempted, finished (committed with its
one notification.sent/failed), or interrupted (an in-flight row without an outcome: the process
died, or the database went away, after the send began and before the commit).

An interrupted job is sent again, with the same Message-ID (`<job-id@tilmeld>`), and counted in
tilmeld_mail_interrupted_resends_total. SMTP has no way to ask "did you get this?", and losing a
mail is worse than a duplicate that receiving systems can recognise by its Message-ID. The one
window in which the attendee can get two copies is between the relay taking the end of DATA
(it may queue the mail as soon as it has read the final ".") and our commit: the relay's 250
reply, plus one database round trip (RFC 1047 describes the same window between two MTAs).
Everywhere else a crash leads to exactly one mail.

Each claim walks the pending index in (lane, seq) order, and every job sent leaves a dead entry
at its front until vacuum: after 40,000 mails a claim from the start read ~300 index pages
(1.5–2.9 ms of database time per mail, growing with each mail). So the mailer remembers where
its last claim found a job and starts there; what lies before that mark (a job put back for a
retry that is now due, one whose event arrived, a new individual mail while fan-outs go out, a
batch committed out of seq order) is found by a claim from the start, made at least every
RESCAN_SECONDS and whenever nothing is found after the mark. The mark delays, never loses.
"""

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from notification.adapters import jobs_table
from notification.adapters.job_signal import JobSignal
from notification.adapters.jobs_table import MailJob
from notification.domain.retry import RetryPolicy
from notification.service import metrics, notifications, webhook_outbox
from notification.service.delivery import Delivery, Failed, Outcome, Sent
from notification.service.rate_limit import RateLimit
from tilmeld_runtime import observe
from tilmeld_runtime.outbox import enqueue_events

log = logging.getLogger(__name__)
# How often the pending gauges are refreshed while the queue drains: Prometheus scrapes every
# 5 s, and the count walks the pending index (~35 ms with a rush's backlog; every 2 s that was
# the notification database's third-largest cost in a bench run).
GAUGE_SECONDS = 5.0
# ANALYZE mail_jobs when this many more jobs are pending than (twice) the planner believes.
MISJUDGED_PENDING = 5_000
RESCAN_SECONDS = 2.0  # at the latest, the next claim after this looks from the start again


class Mailer:
    def __init__(
        self,
        pool: asyncpg.Pool,
        delivery: Delivery,
        signal: JobSignal,
        *,
        retry: RetryPolicy | None = None,
        rate: RateLimit | None = None,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool, self._delivery, self._signal = pool, delivery, signal
        self._retry, self._rate = retry or RetryPolicy(), rate or RateLimit(20.0)
        self._poll_seconds, self._clock = poll_seconds, clock
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self._gauges_at = 0.0
        self._mark: jobs_table.Position = jobs_table.FROM_THE_START
        self._rescan_at = 0.0

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
        await self._delivery.close()

    async def send_next(self) -> bool:
        """Send the next due job, if any; False when there is none."""
        await self._refresh_gauges()  # first: it also keeps the claim's plan sound
        async with self._pool.acquire() as conn, conn.transaction():
            job = await self._claim(conn)
            if job is None:
                return False
            with _log_context(job):
                label = await self._send(conn, job)
        # Counted once committed: a send whose transaction failed is sent (and counted) again.
        metrics.MAILS.labels(job.template, label).inc()
        if label != "retry":
            metrics.NOTIFICATIONS.labels("email", job.template, label).inc()
        return True

    async def _claim(self, conn: asyncpg.Connection) -> MailJob | None:
        now = self._clock()
        job = None
        if time.monotonic() < self._rescan_at:
            job = await jobs_table.claim_next(conn, now, self._mark)
        if job is None:  # nothing after the mark, or time to look from the start
            self._rescan_at = time.monotonic() + RESCAN_SECONDS
            job = await jobs_table.claim_next(conn, now)
        if job is not None:
            self._mark = (job.lane, job.seq)
        return job

    async def _send(self, conn: asyncpg.Connection, job: MailJob) -> str:
        if job.interrupted:
            log.warning(
                "mail job %s was interrupted mid-send before; sending it again with"
                " the same Message-ID",
                job.id,
            )
            metrics.INTERRUPTED_RESENDS.inc()
        await self._rate.wait()
        async with self._pool.acquire() as marker:  # autocommit: visible whatever happens
            await jobs_table.mark_in_flight(marker, job.id)
        with metrics.SEND_SECONDS.time():
            outcome = await self._delivery.deliver(job)
        return await self._record(conn, job, outcome)

    async def _run(self) -> None:
        backoff = 0.5
        while not self._stopping:
            try:
                await self._signal.ensure_listening()
                while not self._stopping and await self.send_next():
                    pass
                backoff = 0.5
                await self._refresh_gauges(force=True)
            except Exception:  # the mailer outlives database outages
                metrics.MAILER_ERRORS.inc()
                log.exception("mailer failed; retrying in %.1fs", backoff)
                await self._signal.close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if not self._stopping:
                await self._signal.wait(self._poll_seconds)

    async def _refresh_gauges(self, force: bool = False) -> None:
        if not force and time.monotonic() - self._gauges_at < GAUGE_SECONDS:
            return
        self._gauges_at = time.monotonic()
        async with self._pool.acquire() as conn:
            total, pending = await jobs_table.count_pending(conn)
            started = time.monotonic()
            if await jobs_table.analyse_if_misjudged(conn, total, MISJUDGED_PENDING):
                log.info(
                    "mail_jobs analysed: %d jobs pending (%.0f ms)",
                    total,
                    (time.monotonic() - started) * 1000,
                )
        metrics.PENDING.set(total)
        for kind in set(pending) | {"event_changed", "message", "reminder", "cancelled"}:
            metrics.FANOUT_PENDING.labels(kind).set(pending.get(kind, 0))

    async def _record(self, conn: asyncpg.Connection, job: MailJob, outcome: Outcome) -> str:
        """Record the outcome in the job's transaction; returns sent, retry or failed."""
        now = self._clock()
        ids: dict[str, Any] = {
            "notification_id": str(job.id),
            "registration_id": job.registration_id,
            "event_id": job.event_id,
            "template": job.template,
            "recipient": job.recipient,
            "now": now,
        }
        if isinstance(outcome, Sent):
            await jobs_table.mark_sent(conn, job, outcome.message_id)
            await self._publish(conn, job, notifications.sent(message_id=outcome.message_id, **ids))
            log.info("sent %s mail %s for %s", job.template, outcome.message_id, job.event_id)
            return "sent"
        if isinstance(outcome, Failed):
            reason, detail = outcome.reason, outcome.detail
        elif self._retry.gives_up_after(job.attempts + 1):
            reason, detail = "retries_exhausted", outcome.detail
        else:
            delay = self._retry.delay(job.attempts + 1, random.random())
            await jobs_table.put_back(conn, job, now + timedelta(seconds=delay), outcome.detail)
            log.warning("mail job %s put back for %.0fs: %s", job.id, delay, outcome.detail)
            return "retry"
        await jobs_table.mark_failed(conn, job, f"{reason}: {detail}")
        await self._publish(conn, job, notifications.failed(reason=reason, detail=detail, **ids))
        log.warning("mail job %s failed: %s: %s", job.id, reason, detail)
        return "failed"

    async def _publish(
        self, conn: asyncpg.Connection, job: MailJob, item: tuple[str, str, Any]
    ) -> None:
        await enqueue_events(conn, [item])
        await webhook_outbox.offer(conn, item[2], job.event_id, job.registration_id or job.event_id)


def _log_context(job: MailJob) -> contextlib.AbstractContextManager[None]:
    """The job's identifiers on every log line written while it is sent."""
    return observe.bound(
        notification_id=str(job.id), event_id=job.event_id, registration_id=job.registration_id
    )
