"""tilmeld.registrations → one mail job per outcome fact, the service's view of the registration,
and webhook deliveries, all in the pipeline's transaction, gathered over the batch and written
set-based (see fact_intake.py).

The job id is derived from the fact's CloudEvents source+id, so a replayed fact names the same
job (and the unique (fact_source, fact_id) makes the second insert a no-op)."""

import uuid
from dataclasses import replace
from typing import Any

from notification.adapters import new_jobs
from notification.domain.kinds import MAIL_KIND_BY_FACT_TYPE, lane_of_fact
from notification.domain.recipient import checked_at_the_edge, raw_address, recipient_of
from notification.service import metrics, notifications
from notification.service.fact_intake import FactIntake, prepare_facts
from tilmeld_contracts.common import CHECKED_UPSTREAM, field_or_none
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.registration import v1 as registration
from tilmeld_contracts.registry import DATA_MODELS
from tilmeld_runtime.pipeline import Route
from tilmeld_runtime.tx import Tx

__all__ = ["job_id_for", "on_fact", "prepare_facts", "registration_routes"]

_JOB_IDS = uuid.UUID("3f1c6a52-2b7e-4c41-9a0e-6d1b8f0c2a77")  # uuid5 namespace of mail jobs


def job_id_for(source: str, fact_id: str) -> uuid.UUID:
    return uuid.uuid5(_JOB_IDS, f"{source}\n{fact_id}")


async def on_fact(tx: Tx, event: CloudEvent, fact: Any) -> None:
    intake = FactIntake.of(tx)
    kind = MAIL_KIND_BY_FACT_TYPE[event.type]
    context = await intake.remember(kind, fact) if kind != "rejected" else {}
    intake.offer(event, fact.event_id, fact.registration_id)
    checked = checked_at_the_edge(field_or_none(fact, "reason"))
    recipient = recipient_of(fact.attendee, checked_upstream=checked)
    job = new_jobs.NewJob(
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
        lane=lane_of_fact(kind, field_or_none(fact, "reason")),
    )
    if recipient is not None:
        intake.add_job(job)
        return
    # Only a rejection of an unreadable request can get here: nobody to tell, but say so. Rare,
    # so written at once (after what the batch gathered, to keep the order), to know if it is new.
    detail = "the attendee has no valid email address"
    await intake.flush()
    if await new_jobs.insert(tx.conn, replace(job, skipped_because=f"no_recipient: {detail}")):
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
        intake.offer(failed[2], job.event_id, fact.registration_id)
        tx.after_commit(metrics.MAILS.labels(kind, "skipped").inc)
        tx.after_commit(metrics.NOTIFICATIONS.labels("email", kind, "failed").inc)


async def on_enrolled(
    tx: Tx, event: CloudEvent, enrolled: registration.OrganisationEnrolled
) -> None:
    """Nothing to mail; subscribers of webhooks may want it."""
    FactIntake.of(tx).offer(event, enrolled.event_id, enrolled.registration_id)


def registration_routes() -> dict[str, Route[Any]]:
    routes: dict[str, Route[Any]] = {
        # Facts the registration service built from sign-ups it validated: their addresses
        # need no second full check (a fifth of this service's CPU in a rush).
        fact_type: Route(DATA_MODELS[fact_type], on_fact, context=CHECKED_UPSTREAM)
        for fact_type in MAIL_KIND_BY_FACT_TYPE
    }
    routes[registration.ORGANISATION_ENROLLED] = Route(
        registration.OrganisationEnrolled, on_enrolled
    )
    return routes
