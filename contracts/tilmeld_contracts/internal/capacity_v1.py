"""Commands to the capacity service (the single writer of seats) and the decisions it makes.
Internal: both travel keyed by event id, so one consumer sees an event's traffic in order.

A session is identified by (round id, session id): the same theme meeting id may appear in
several rounds (it is held once per round), each with its own seats and waitlist."""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from tilmeld_contracts.catalog.v1 import EventDefinition

# commands
DEFINE_EVENT = "dk.tilmeld.internal.define-event.v1"
CANCEL_EVENT = "dk.tilmeld.internal.cancel-event.v1"
REQUEST_SEAT = "dk.tilmeld.internal.request-seat.v1"
RELEASE_SEAT = "dk.tilmeld.internal.release-seat.v1"
ANSWER_OFFER = "dk.tilmeld.internal.answer-offer.v1"
# Sent by capacity's own offer timer to itself, keyed by event id like every command, so the
# expiry is decided in order with the event's other commands.
EXPIRE_OFFER = "dk.tilmeld.internal.expire-offer.v1"
# decisions
SEAT_GRANTED = "dk.tilmeld.internal.seat-granted.v1"
SEAT_WAITLISTED = "dk.tilmeld.internal.seat-waitlisted.v1"
SEAT_OFFERED = "dk.tilmeld.internal.seat-offered.v1"
SEAT_RELEASED = "dk.tilmeld.internal.seat-released.v1"
SESSIONS_CHANGED = "dk.tilmeld.internal.sessions-changed.v1"
SEAT_REFUSED = "dk.tilmeld.internal.seat-refused.v1"


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class DefineEvent(_Message):
    event: EventDefinition


class CancelEvent(_Message):
    event_id: str


class RequestSeat(_Message):
    event_id: str
    registration_id: str
    organisation_key: str
    choices: dict[str, list[str]] = {}


class ReleaseSeat(_Message):
    event_id: str
    registration_id: str
    reason: str


class AnswerOffer(_Message):
    event_id: str
    registration_id: str
    accepted: bool


class ExpireOffer(_Message):
    event_id: str
    registration_id: str
    expires_at: AwareDatetime  # the offer's deadline: a timer for an older offer is stale


class SeatGranted(_Message):
    event_id: str
    registration_id: str
    sessions: dict[str, str | None] = {}
    session_waitlists: dict[str, list[str]] = {}
    promoted: bool = False


class SeatWaitlisted(_Message):
    event_id: str
    registration_id: str
    position: int


class SeatOffered(_Message):
    event_id: str
    registration_id: str
    expires_at: AwareDatetime


class SeatReleased(_Message):
    event_id: str
    registration_id: str
    reason: str


class SessionsChanged(_Message):
    event_id: str
    registration_id: str
    sessions: dict[str, str | None]


class SeatRefused(_Message):
    event_id: str
    registration_id: str
    reason: Literal["invalid_session", "unknown_event", "invalid_request"]
    detail: str
