"""Which self-service links a mail carries, and until when they work. Signing them is the
adapter's job (tilmeld_runtime.links); the pages are the registration service's."""

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from notification.domain.kinds import MailKind
from tilmeld_contracts.common import Language

# The same actions as tilmeld_runtime.links.Action, which the pages understand.
Action = Literal["view", "cancel", "accept", "decline"]

LABELS: dict[Language, dict[Action, str]] = {
    "da": {
        "view": "Se din tilmelding",
        "cancel": "Afmeld",
        "accept": "Tag imod pladsen",
        "decline": "Sig nej tak",
    },
    "en": {
        "view": "See your registration",
        "cancel": "Cancel your registration",
        "accept": "Accept the seat",
        "decline": "Decline the seat",
    },
}


@dataclass(frozen=True)
class LinkSpec:
    action: Action
    expires_at: datetime


def links_for(
    kind: MailKind, event_ends_at: datetime, offer_expires_at: datetime | None = None
) -> tuple[LinkSpec, ...]:
    """Seat holders (and people waiting for one) can see and cancel their registration until
    the event is over; an offer can be answered until it expires."""
    if kind in ("confirmed", "promoted", "waitlisted", "reminder", "event_changed"):
        return (LinkSpec("view", event_ends_at), LinkSpec("cancel", event_ends_at))
    if kind == "offered" and offer_expires_at is not None:
        return (
            LinkSpec("accept", offer_expires_at),
            LinkSpec("decline", offer_expires_at),
            LinkSpec("view", event_ends_at),
        )
    return ()
