"""What capacity decided: facts, applied to the state by `evolve`. All but `EventDefined` and
`EventCancelled` are told to the registration service."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from capacity.domain.layout import Layout
from capacity.domain.model import SeatRequest, Sessions

SessionWaitlists = Mapping[str, tuple[str, ...]]  # round → sessions waited on, best first
RefusalReason = Literal["invalid_session", "unknown_event"]


@dataclass(frozen=True)
class EventDefined:
    layout: Layout


@dataclass(frozen=True)
class EventCancelled:
    pass


@dataclass(frozen=True)
class SeatGranted:
    request: SeatRequest
    sessions: Sessions
    session_waitlists: SessionWaitlists
    promoted: bool = False  # True when the seat came off the waitlist


@dataclass(frozen=True)
class SeatWaitlisted:
    request: SeatRequest
    position: int  # 1 = next in line


@dataclass(frozen=True)
class SeatOffered:
    """A freed event seat is held for the first waiter until they answer or `expires_at`."""

    registration_id: str
    expires_at: datetime


@dataclass(frozen=True)
class SeatRefused:
    request: SeatRequest
    reason: RefusalReason
    detail: str


@dataclass(frozen=True)
class SeatReleased:
    registration_id: str
    reason: str


@dataclass(frozen=True)
class SessionsChanged:
    """A holder's session seats changed: a better choice freed up, or the organiser removed
    the session they held."""

    registration_id: str
    sessions: Sessions


Decision = (
    EventDefined
    | EventCancelled
    | SeatGranted
    | SeatWaitlisted
    | SeatOffered
    | SeatRefused
    | SeatReleased
    | SessionsChanged
)
