"""The capacity rules, pure: `decide(state, command, now)` → decisions; `evolve` applies them."""

from capacity.domain.commands import CancelEvent, Command, DefineEvent, ReleaseSeat, RequestSeat
from capacity.domain.decide import EVENT_CANCELLED, decide
from capacity.domain.decisions import (
    Decision,
    EventCancelled,
    EventDefined,
    SeatGranted,
    SeatRefused,
    SeatReleased,
    SeatWaitlisted,
    SessionsChanged,
)
from capacity.domain.evolve import evolve, replay
from capacity.domain.layout import Layout, RoundLayout, SessionLayout
from capacity.domain.model import EventState, Registration, SeatRequest, Status

__all__ = [
    "EVENT_CANCELLED",
    "CancelEvent",
    "Command",
    "Decision",
    "DefineEvent",
    "EventCancelled",
    "EventDefined",
    "EventState",
    "Layout",
    "Registration",
    "ReleaseSeat",
    "RequestSeat",
    "RoundLayout",
    "SeatGranted",
    "SeatRefused",
    "SeatReleased",
    "SeatRequest",
    "SeatWaitlisted",
    "SessionLayout",
    "SessionsChanged",
    "Status",
    "decide",
    "evolve",
    "replay",
]
