"""What one mail job says: the MailView, its calendar invitations and its self-service links,
decided by the domain from the job's fact, the event and what the service knew before."""

from dataclasses import dataclass
from typing import Any

from notification.adapters.jobs_table import MailJob
from notification.domain import calendar
from notification.domain.audience import Attendance, holds_calendar
from notification.domain.changes import Change
from notification.domain.compose import compose
from notification.domain.kinds import MAIL_KIND_BY_FACT_TYPE, MailKind
from notification.domain.links import LinkSpec, links_for
from notification.domain.notices import compose_change, compose_message, compose_reminder
from notification.domain.recipient import Recipient, recipient_of
from notification.domain.view import MailView
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.common import CHECKED_UPSTREAM
from tilmeld_contracts.registration import v1 as facts
from tilmeld_contracts.registry import DATA_MODELS


@dataclass(frozen=True)
class MailContent:
    view: MailView
    invitations: tuple[calendar.Invitation, ...]
    links: tuple[LinkSpec, ...]
    recipient_name: str | None


def content_of(job: MailJob) -> MailContent:
    definition = job.event_definition
    event = EventDefinition.model_validate(definition) if definition is not None else None
    if job.fact_type in MAIL_KIND_BY_FACT_TYPE:
        return _about_fact(job, MAIL_KIND_BY_FACT_TYPE[job.fact_type], event)
    assert event is not None, "bulk mails are only picked once their event is known"
    attendance = attendance_from(job.context["attendance"], job)
    name = (recipient_of(attendance.attendee) or Recipient(job.recipient, None, None)).name
    ends = event.ends_at
    if job.template == "event_changed":
        changes = [Change.model_validate(c) for c in job.fact["changes"]]
        view = compose_change(event, attendance, changes)
        removed = [
            calendar.removed_meeting(
                event,
                attendance.registration_id,
                c.meeting_id or "",
                c.span_before.starts_at if c.span_before else None,
                c.span_before.ends_at if c.span_before else None,
            )
            for c in changes
            if c.kind == "meeting_removed"
        ]
        held = dict(attendance.sessions) if holds_calendar(attendance.status) else None
        invitations = calendar.invitations(
            event,
            attendance.registration_id,
            view.language,
            held_before=held,
            held_now=held,
            removed=removed,
        )
        links = links_for("event_changed", ends) if attendance.status != "cancelled" else ()
        return MailContent(view, invitations, links, name)
    if job.template == "message":
        view = compose_message(event, attendance, job.fact["text"], job.fact.get("subject"))
        return MailContent(view, (), (), name)
    view = compose_reminder(event, attendance, job.fact["part_id"])
    return MailContent(view, (), links_for("reminder", ends), name)


def attendance_from(data: dict[str, Any], job: MailJob) -> Attendance:
    return Attendance(
        registration_id=job.registration_id or "",
        event_id=job.event_id,
        status=data["status"],
        attendee=data["attendee"],
        sessions=data.get("sessions") or {},
    )


def _about_fact(job: MailJob, kind: MailKind, event: EventDefinition | None) -> MailContent:
    # Validated when it came in (its addresses at Tilmeld's edge): the shape check is enough.
    fact: Any = DATA_MODELS[job.fact_type].model_validate(job.fact, context=CHECKED_UPSTREAM)
    # The job holds the address checked when the fact came in; name and language are here.
    recipient = recipient_of(fact.attendee) or Recipient(job.recipient, None, None)
    view = compose(kind, fact, recipient, event, job.event_cancel_reason)
    if event is None or kind == "rejected":  # a rejection leaves any registration as it was
        return MailContent(view, (), (), recipient.name)
    before = job.context.get("sessions_before") or {}
    held_before = before if holds_calendar(job.context.get("status_before")) else None
    held_now: dict[str, str | None] | None = None
    if kind in ("confirmed", "promoted") or (kind == "session_changed" and held_before is not None):
        held_now = dict(fact.sessions)
    invitations = calendar.invitations(
        event, fact.registration_id, view.language, held_before=held_before, held_now=held_now
    )
    offer_expires = fact.expires_at if isinstance(fact, facts.RegistrationOffered) else None
    return MailContent(
        view, invitations, links_for(kind, event.ends_at, offer_expires), recipient.name
    )
