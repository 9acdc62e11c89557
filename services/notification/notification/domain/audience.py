"""The service's own view of each registration, kept from the outcome facts it consumes, so it
knows who to tell about an organiser's change, a broadcast or a reminder."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from notification.domain.kinds import MailKind

Status = Literal["confirmed", "waitlisted", "offered", "cancelled"]
ACTIVE: tuple[Status, ...] = ("confirmed", "waitlisted", "offered")

# None: the fact leaves the status as it was (a rejection is about a request, not about the
# registration it may name; a session change keeps the seat).
_STATUS_AFTER: dict[MailKind, Status | None] = {
    "confirmed": "confirmed",
    "promoted": "confirmed",
    "waitlisted": "waitlisted",
    "offered": "offered",
    "cancelled": "cancelled",
    "session_changed": None,
    "rejected": None,
}


@dataclass(frozen=True)
class Attendance:
    registration_id: str
    event_id: str
    status: Status
    attendee: Mapping[str, Any]
    sessions: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def email(self) -> str:
        return str(self.attendee["email"])


def status_after(kind: MailKind) -> Status | None:
    return _STATUS_AFTER.get(kind)


# Facts that say which sessions the person holds now; the others leave them as they were.
_HOLDS_SESSIONS: tuple[MailKind, ...] = ("confirmed", "promoted", "session_changed")


def attendance_after(
    before: Attendance | None,
    kind: MailKind,
    registration_id: str,
    event_id: str,
    attendee: Mapping[str, Any],
    sessions: Mapping[str, str | None] | None,
) -> Attendance:
    """The registration as a fact leaves it: its attendee as the fact gives it, its status and
    sessions as the fact says or else as they were (a new one starts confirmed, no sessions)."""
    held = dict(sessions) if kind in _HOLDS_SESSIONS and sessions is not None else None
    return Attendance(
        registration_id=registration_id,
        event_id=before.event_id if before is not None else event_id,
        status=status_after(kind) or (before.status if before is not None else "confirmed"),
        attendee=attendee,
        sessions=held if held is not None else (before.sessions if before is not None else {}),
    )


def calendar_context(before: Attendance | None) -> dict[str, Any]:
    """What a mail job keeps of the registration before its fact: calendar updates need the
    status and sessions the person had."""
    if before is None:
        return {}
    return {"status_before": before.status, "sessions_before": dict(before.sessions)}


def holds_calendar(status: Status | None) -> bool:
    """Only people with a seat were sent an invitation, so only they get updates of it."""
    return status == "confirmed"
