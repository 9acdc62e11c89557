"""tilmeld.registrations → one mail job per outcome fact, the service's view of the registration,
and webhook deliveries, all in the pipeline's transaction.

The job id is derived from the fact's CloudEvents source+id, so a replayed fact names the same
job (and the unique (fact_source, fact_id) makes the second insert a no-op)."""

import uuid
from typing import Any

from notification.adapters import jobs_table, registrations_table
from notification.domain.audience import status_after
from notification.domain.kinds import BULK_LANE, MAIL_KIND_BY_FACT_TYPE, lane_of_fact
from notification.domain.recipient import raw_address, recipient_of
from notification.service import metrics, notifications, webhook_outbox
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.registration import v1 as registration
from tilmeld_contracts.registry import DATA_MODELS
from tilmeld_runtime.pipeline import Route, Tx

_JOB_IDS = uuid.UUID("3f1c6a52-2b7e-4c41-9a0e-6d1b8f0c2a77")  # uuid5 namespace of mail jobs
_HOLDS_SESSIONS = ("confirmed", "promoted", "session_changed")


def job_id_for(source: str, fact_id: str) -> uuid.UUID:
    return uuid.uuid5(_JOB_IDS, f"{source}\n{fact_id}")


async def on_fact(tx: Tx, event: CloudEvent, fact: Any) -> None:
    kind = MAIL_KIND_BY_FACT_TYPE[event.type]
    context = await _remember(tx, kind, fact) if kind != "rejected" else {}
    await webhook_outbox.offer(tx.conn, event, fact.event_id, fact.registration_id)
    recipient = recipient_of(fact.attendee)
    lane = lane_of_fact(kind, getattr(fact, "reason", None))
    job = jobs_table.NewJob(
        id=job_id_for(event.source, event.id),
        fact_source=event.source,
        fact_id=event.id,
        fact_type=event.type,
        template=kind,
        event_id=fact.event_id,
        registration_id=fact.registration_id,
        recipient=recipient.email if recipient else None,
        fact=fact.model_dump(mode="json"),
        context=context,
        lane=lane,
    )
    if recipient is not None:
        if await jobs_table.insert(tx.conn, job) and lane == BULK_LANE:
            tx.after_commit(metrics.FANOUT_RECIPIENTS.labels(kind).inc)
        return
    # Only a rejection of an unreadable request can get here: nobody to tell, but say so.
    detail = "the attendee has no valid email address"
    if await jobs_table.insert(tx.conn, job, skipped_because=f"no_recipient: {detail}"):
        failed = notifications.failed(
            notification_id=str(job.id),
            registration_id=job.registration_id,
            event_id=job.event_id,
            template=kind,
            recipient=raw_address(fact.attendee),
            reason="no_recipient",
            detail=detail,
            now=tx.now,
        )
        tx.emit(*failed)
        await webhook_outbox.offer(tx.conn, failed[2], job.event_id, fact.registration_id)
        tx.after_commit(metrics.MAILS.labels(kind, "skipped").inc)
        tx.after_commit(metrics.NOTIFICATIONS.labels("email", kind, "failed").inc)


async def _remember(tx: Tx, kind: Any, fact: Any) -> dict[str, Any]:
    """Update the registration view; returns what it held before, for the calendar."""
    before = await registrations_table.get(tx.conn, fact.registration_id)
    sessions = dict(fact.sessions) if kind in _HOLDS_SESSIONS else None
    await registrations_table.save(
        tx.conn,
        fact.registration_id,
        fact.event_id,
        status_after(kind),
        fact.attendee.model_dump(mode="json"),
        sessions,
    )
    if kind == "cancelled":
        await jobs_table.skip_pending_bulk(tx.conn, fact.registration_id, "registration cancelled")
    if before is None:
        return {}
    return {"status_before": before.status, "sessions_before": dict(before.sessions)}


async def on_enrolled(
    tx: Tx, event: CloudEvent, enrolled: registration.OrganisationEnrolled
) -> None:
    """Nothing to mail; subscribers of webhooks may want it."""
    await webhook_outbox.offer(tx.conn, event, enrolled.event_id, enrolled.registration_id)


def registration_routes() -> dict[str, Route[Any]]:
    routes: dict[str, Route[Any]] = {
        fact_type: Route(DATA_MODELS[fact_type], on_fact) for fact_type in MAIL_KIND_BY_FACT_TYPE
    }
    routes[registration.ORGANISATION_ENROLLED] = Route(
        registration.OrganisationEnrolled, on_enrolled
    )
    return routes
