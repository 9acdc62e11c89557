"""What capacity is asked to do, for one event."""

from dataclasses import dataclass
from datetime import datetime

from capacity.domain.layout import Layout
from capacity.domain.model import SeatRequest


@dataclass(frozen=True)
class DefineEvent:
    """The event was published or changed: its seats are now these."""

    layout: Layout


@dataclass(frozen=True)
class CancelEvent:
    pass


@dataclass(frozen=True)
class RequestSeat:
    request: SeatRequest


@dataclass(frozen=True)
class ReleaseSeat:
    registration_id: str
    reason: str


@dataclass(frozen=True)
class AnswerOffer:
    """The attendee accepted or declined the seat offered to them."""

    registration_id: str
    accepted: bool


@dataclass(frozen=True)
class ExpireOffer:
    """The offer's timer fired. `expires_at` names the offer it was set for, so a timer that
    outlived its offer (answered, released) is recognised as stale."""

    registration_id: str
    expires_at: datetime


Command = DefineEvent | CancelEvent | RequestSeat | ReleaseSeat | AnswerOffer | ExpireOffer
