"""Which mail each registration fact gets. The template name doubles as the `template` field of
notification.sent/failed, so it is part of what consumers see."""

from typing import Literal

import tilmeld_contracts.registration.v1 as registration

MailKind = Literal[
    "confirmed", "waitlisted", "offered", "promoted", "session_changed", "cancelled", "rejected"
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


def needs_known_event(kind: MailKind) -> bool:
    """A rejection may be about an event that does not exist (`unknown_event`): never wait."""
    return kind != "rejected"
