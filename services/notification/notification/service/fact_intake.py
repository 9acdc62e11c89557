"""A batch of registration facts handled set-based, within the pipeline's transaction.

Before the handlers, ONE read (`prepare_facts`) fetches every registration the batch names and
whether any webhook subscription is enabled. The handlers then work in memory: each fact sees
the registration as the fact before it left it, exactly as if they came one per transaction.
Just before the commit, what they gathered is written with one statement per table: the bulk
mails of cancelled people skipped, the mail jobs, the registrations, the webhook deliveries
(none, and no statement, when nobody subscribes). A handler run without `prepare_facts` reads
what it needs as it goes."""

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from notification.adapters import intake_reads, new_jobs, registrations_table
from notification.domain.audience import Attendance, attendance_after, calendar_context
from notification.domain.kinds import BULK_LANE, INDIVIDUAL_LANE, MAIL_KIND_BY_FACT_TYPE, MailKind
from notification.service import metrics
from notification.service.webhook_outbox import Offer, offer_many
from tilmeld_contracts.common import field_or_none
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime.tx import Tx

_CACHE_KEY = "notification.fact_intake"
CANCELLED_REASON = "registration cancelled"


class FactIntake:
    def __init__(self, tx: Tx) -> None:
        self._tx = tx
        self._known: dict[str, Attendance | None] = {}
        self._webhooks: bool | None = None  # None: not read; offer all, the statement filters
        self._jobs: list[new_jobs.NewJob] = []
        self._bulk_jobs_of: dict[str, list[int]] = {}  # positions in `_jobs`, per registration
        self._changed: dict[str, Attendance] = {}
        self._cancelled: list[str] = []
        self._offers: list[Offer] = []
        tx.before_commit(_CACHE_KEY, self.flush)

    @classmethod
    def of(cls, tx: Tx) -> "FactIntake":
        intake = tx.cache.get(_CACHE_KEY)
        if intake is None:
            intake = tx.cache[_CACHE_KEY] = cls(tx)
        assert isinstance(intake, FactIntake)
        return intake

    async def load(self, registration_ids: Sequence[str]) -> None:
        view = await intake_reads.read(self._tx.conn, registration_ids)
        self._known.update({rid: view.attendances.get(rid) for rid in registration_ids})
        self._webhooks = view.webhooks

    async def remember(self, kind: MailKind, fact: Any) -> dict[str, Any]:
        """Update the registration; returns what it held before, for the calendar."""
        registration_id = fact.registration_id
        if registration_id not in self._known:
            self._known[registration_id] = await registrations_table.get(
                self._tx.conn, registration_id
            )
        before = self._known[registration_id]
        after = attendance_after(
            before,
            kind,
            registration_id,
            fact.event_id,
            fact.attendee.model_dump(mode="json"),
            field_or_none(fact, "sessions"),
        )
        self._known[registration_id] = self._changed[registration_id] = after
        if kind == "cancelled":
            self._skip_bulk(registration_id)
        return calendar_context(before)

    def _skip_bulk(self, registration_id: str) -> None:
        """Bulk mails of this person gathered so far are born skipped; those already written
        are skipped at the flush, before this batch's jobs are written."""
        self._cancelled.append(registration_id)
        for position in self._bulk_jobs_of.pop(registration_id, []):
            self._jobs[position] = replace(self._jobs[position], skipped_because=CANCELLED_REASON)

    def offer(self, event: CloudEvent, event_id: str, ordering_key: str) -> None:
        if self._webhooks is not False:
            self._offers.append(Offer(event, event_id, ordering_key))

    def add_job(self, job: new_jobs.NewJob) -> None:
        if job.lane != INDIVIDUAL_LANE and job.registration_id and not job.skipped_because:
            self._bulk_jobs_of.setdefault(job.registration_id, []).append(len(self._jobs))
        self._jobs.append(job)

    async def flush(self) -> None:
        """Write what was gathered (also mid-batch, before a job that must be written alone)."""
        conn = self._tx.conn
        await new_jobs.skip_pending_bulk(conn, self._cancelled, CANCELLED_REASON)
        created = await new_jobs.insert_many(conn, self._jobs)
        await registrations_table.save_many(conn, list(self._changed.values()))
        await offer_many(conn, self._offers)
        for job in self._jobs:
            if job.id in created and job.lane == BULK_LANE:
                self._tx.after_commit(metrics.FANOUT_RECIPIENTS.labels(job.template).inc)
        self._jobs, self._changed, self._cancelled, self._offers = [], {}, [], []
        self._bulk_jobs_of = {}


async def prepare_facts(tx: Tx, inputs: Sequence[tuple[CloudEvent, BaseModel]]) -> None:
    """The pipeline's `prepare`: one read for the registrations of the batch's facts."""
    registration_ids = {
        field_or_none(data, "registration_id")
        for event, data in inputs
        if MAIL_KIND_BY_FACT_TYPE.get(event.type, "rejected") != "rejected"
    }
    await FactIntake.of(tx).load(sorted(r for r in registration_ids if isinstance(r, str)))
