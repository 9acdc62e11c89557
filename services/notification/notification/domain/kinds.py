"""Which mail each registration fact gets, and the mails the service sends on its own account
(organiser changes, broadcasts, reminders). The template name doubles as the `template` field
of notification.sent/failed, so it is part of what consumers see."""

from typing import Literal

import tilmeld_contracts.registration.v1 as registration

MailKind = Literal[
    "confirmed",
    "waitlisted",
    "offered",
    "promoted",
    "session_changed",
    "cancelled",
    "rejected",
    "event_changed",
    "message",
    "reminder",
]

MAIL_KIND_BY_FACT_TYPE: dict[str, MailKind] = {
    registration.CONFIRMED: "confirmed",
    registration.WAITLISTED: "waitlisted",
    registration.OFFERED: "offered",
    registration.PROMOTED: "promoted",
    registration.SESSION_CHANGED: "session_changed",
    registration.CANCELLED: "cancelled",
    registration.REJECTED: "rejected",
}

# Lanes: the mailer always takes the oldest job of the lowest lane first, so one person's own
# outcome never queues behind a thousand copies of an organiser's change notice.
INDIVIDUAL_LANE = 0
BULK_LANE = 1


def needs_known_event(kind: MailKind) -> bool:
    """A rejection may be about an event that does not exist (`unknown_event`): never wait."""
    return kind != "rejected"


def lane_of_fact(kind: MailKind, cancellation_reason: str | None) -> int:
    """A whole event cancelled is a fan-out too: one fact per attendee, all at once."""
    if kind == "cancelled" and cancellation_reason == "event_cancelled":
        return BULK_LANE
    return INDIVIDUAL_LANE
