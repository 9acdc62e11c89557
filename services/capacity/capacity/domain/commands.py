"""What capacity is asked to do, for one event."""

from dataclasses import dataclass

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


Command = DefineEvent | CancelEvent | RequestSeat | ReleaseSeat
