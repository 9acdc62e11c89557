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


def holds_calendar(status: Status | None) -> bool:
    """Only people with a seat were sent an invitation, so only they get updates of it."""
    return status == "confirmed"
