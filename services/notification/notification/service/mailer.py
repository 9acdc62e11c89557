"""The mailer: a background worker that sends pending mail jobs, individual outcomes before
fan-outs, oldest first.

Up to `batch_size` jobs are handled in ONE database transaction that locks them (FOR UPDATE SKIP
LOCKED), sends them over SMTP one after another, marks them sent and enqueues their
notification.sent in the outbox (a transaction per job cost eight round trips per mail: at
200 mails/s that was most of the notification database's work). Before each send, a row in
`mail_in_flight` is committed on a second connection, and marked delivered, committed at once,
when the relay has taken the mail; the batch's transaction deletes it with the outcome. So each
job is in one of four states: never attempted, finished (committed with its one
notification.sent/failed), delivered (the process died, or the database went away, after the
relay took it and before the commit: recorded as sent on the next claim, not sent again), or
interrupted (an in-flight row that is not delivered: cut off mid-send).

An interrupted job is sent again, with the same Message-ID (`<job-id@tilmeld>`), and counted in
tilmeld_mail_interrupted_resends_total. SMTP has no way to ask "did you get this?", and losing a
mail is worse than a duplicate that receiving systems can recognise by its Message-ID. The one
window in which the attendee can get two copies is between the relay taking the end of DATA
(it may queue the mail as soon as it has read the final ".") and the delivered mark: the relay's
250 reply, plus one database round trip (RFC 1047 describes the same window between two MTAs).
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
from notification.adapters.message import message_id_for
from notification.domain.retry import RetryPolicy
from notification.service import metrics, notifications, webhook_outbox
from notification.service.delivery import Delivery, Failed, Outcome, Sent, TryLater
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
BATCH_SIZE = 10  # jobs per transaction: 2.7 round trips per mail instead of 8


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
        batch_size: int = BATCH_SIZE,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._pool, self._delivery, self._signal = pool, delivery, signal
        self._retry, self._rate = retry or RetryPolicy(), rate or RateLimit(20.0)
        self._poll_seconds, self._clock, self._batch_size = poll_seconds, clock, batch_size
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
        """Send the next due jobs (up to `batch_size`, one transaction); False when none."""
        await self._refresh_gauges()  # first: it also keeps the claim's plan sound
        async with self._pool.acquire() as conn, conn.transaction():
            jobs = await self._claim(conn)
            if not jobs:
                return False
            labels = await self._send_all(conn, jobs)
        # Counted once committed: a send whose transaction failed is sent (and counted) again.
        for job, label in labels:
            metrics.MAILS.labels(job.template, label).inc()
            if label != "retry":
                metrics.NOTIFICATIONS.labels("email", job.template, label).inc()
        return True

    async def _claim(self, conn: asyncpg.Connection) -> list[MailJob]:
        now = self._clock()
        jobs: list[MailJob] = []
        if time.monotonic() < self._rescan_at:
            jobs = await jobs_table.claim_some(conn, now, self._mark, self._batch_size)
        if not jobs:  # nothing after the mark, or time to look from the start
            self._rescan_at = time.monotonic() + RESCAN_SECONDS
            jobs = await jobs_table.claim_some(
                conn, now, jobs_table.FROM_THE_START, self._batch_size
            )
        if jobs:
            self._mark = (jobs[-1].lane, jobs[-1].seq)
        return jobs

    async def _send_all(
        self, conn: asyncpg.Connection, jobs: list[MailJob]
    ) -> list[tuple[MailJob, str]]:
        """Send the claimed jobs in order and record their outcomes; a stop finishes the mail in
        flight and leaves the rest pending. Returns (job, sent | retry | failed)."""
        labels: list[tuple[MailJob, str]] = []
        sent: list[tuple[MailJob, str]] = []
        async with self._pool.acquire() as marker:  # autocommit: visible whatever happens
            for job in jobs:
                if labels and self._stopping:
                    break
                with _log_context(job):
                    outcome = await self._attempt(marker, job)
                    if isinstance(outcome, Sent):
                        sent.append((job, outcome.message_id))
                        labels.append((job, "sent"))
                    else:
                        labels.append((job, await self._record(conn, job, outcome)))
        await self._record_sent(conn, sent)
        return labels

    async def _attempt(self, marker: asyncpg.Connection, job: MailJob) -> Outcome:
        if job.delivered:
            log.warning(
                "mail job %s was delivered before an interruption; recording it as sent", job.id
            )
            return Sent(message_id_for(job.id))
        if job.interrupted:
            log.warning(
                "mail job %s was interrupted mid-send before; sending it again with"
                " the same Message-ID",
                job.id,
            )
            metrics.INTERRUPTED_RESENDS.inc()
        await self._rate.wait()
        await jobs_table.mark_in_flight(marker, job.id)
        with metrics.SEND_SECONDS.time():
            outcome = await self._delivery.deliver(job)
        if isinstance(outcome, Sent):
            await jobs_table.mark_delivered(marker, job.id)
        return outcome

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

    async def _record_sent(self, conn: asyncpg.Connection, sent: list[tuple[MailJob, str]]) -> None:
        if not sent:
            return
        await jobs_table.mark_sent_many(conn, sent)
        items = [
            notifications.sent(message_id=message_id, **self._ids(job)) for job, message_id in sent
        ]
        await enqueue_events(conn, items)
        await webhook_outbox.offer_many(
            conn,
            [
                webhook_outbox.Offer(item[2], job.event_id, job.registration_id or job.event_id)
                for (job, _), item in zip(sent, items, strict=True)
            ],
        )
        for job, message_id in sent:
            with _log_context(job):
                log.info("sent %s mail %s for %s", job.template, message_id, job.event_id)

    def _ids(self, job: MailJob) -> dict[str, Any]:
        return {
            "notification_id": str(job.id),
            "registration_id": job.registration_id,
            "event_id": job.event_id,
            "template": job.template,
            "recipient": job.recipient,
            "now": self._clock(),
        }

    async def _record(
        self, conn: asyncpg.Connection, job: MailJob, outcome: Failed | TryLater
    ) -> str:
        """Record a failure in the batch's transaction; returns retry or failed."""
        ids = self._ids(job)
        now = ids["now"]
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
