"""The capacity rules, pure: `decide(state, command, now)` → decisions; `evolve` applies them."""

from capacity.domain.commands import (
    AnswerOffer,
    CancelEvent,
    Command,
    DefineEvent,
    ExpireOffer,
    ReleaseSeat,
    RequestSeat,
)
from capacity.domain.decide import EVENT_CANCELLED, decide
from capacity.domain.decisions import (
    Decision,
    EventCancelled,
    EventDefined,
    SeatGranted,
    SeatOffered,
    SeatRefused,
    SeatReleased,
    SeatWaitlisted,
    SessionsChanged,
)
from capacity.domain.evolve import evolve, replay
from capacity.domain.layout import Layout, RoundLayout, SessionLayout
from capacity.domain.model import ACTIVE, EventState, Registration, SeatRequest, Status
from capacity.domain.offers import OFFER_DECLINED, OFFER_EXPIRED

__all__ = [
    "ACTIVE",
    "EVENT_CANCELLED",
    "OFFER_DECLINED",
    "OFFER_EXPIRED",
    "AnswerOffer",
    "CancelEvent",
    "Command",
    "Decision",
    "DefineEvent",
    "EventCancelled",
    "EventDefined",
    "EventState",
    "ExpireOffer",
    "Layout",
    "Registration",
    "ReleaseSeat",
    "RequestSeat",
    "RoundLayout",
    "SeatGranted",
    "SeatOffered",
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
