"""Mails the service sends on its own account, to people it knows from its registration view:
an organiser's change, an organiser's message, a reminder."""

from dataclasses import replace

from notification.domain.audience import Attendance
from notification.domain.change_lines import change_line
from notification.domain.changes import Change
from notification.domain.compose import meeting_line, with_event, with_sessions
from notification.domain.dates import format_span
from notification.domain.kinds import MailKind
from notification.domain.language import choose_language
from notification.domain.recipient import Recipient, recipient_of
from notification.domain.reminders import EVENT_PART
from notification.domain.subjects import one_line, subject
from notification.domain.view import MailView
from tilmeld_contracts.catalog.v1 import EventDefinition


def compose_change(
    event: EventDefinition, attendance: Attendance, changes: list[Change]
) -> MailView:
    view = _base("event_changed", event, attendance)
    lines = tuple(change_line(c, event, view.language) for c in changes)
    return replace(view, changes=lines)


def compose_message(
    event: EventDefinition, attendance: Attendance, text: str, subject_line: str | None
) -> MailView:
    view = _base("message", event, attendance)
    paragraphs = tuple(p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip())
    if subject_line:
        view = replace(view, subject=one_line(subject_line))
    return replace(view, message=paragraphs)


def compose_reminder(event: EventDefinition, attendance: Attendance, part_id: str) -> MailView:
    view = _base("reminder", event, attendance)
    meeting = next((m for m in event.meetings if m.id == part_id), None)
    if part_id == EVENT_PART or meeting is None:
        return replace(
            view, reminder_when=format_span(event.starts_at, event.ends_at, view.language)
        )
    line = meeting_line(meeting, event, view.language)
    return replace(view, reminder_when=line.when, reminder_meeting=line)


def _base(kind: MailKind, event: EventDefinition, attendance: Attendance) -> MailView:
    recipient = recipient_of(attendance.attendee) or Recipient(attendance.email, None, None)
    language = choose_language(recipient.language, event.language)
    view = MailView(
        kind=kind,
        language=language,
        subject=subject(kind, language, event.title),
        name=recipient.name,
        title=event.title,
        registration_id=attendance.registration_id,
    )
    view = with_event(view, event, language)
    if attendance.status == "confirmed":
        view = with_sessions(view, event, attendance.sessions, {})
    return view
