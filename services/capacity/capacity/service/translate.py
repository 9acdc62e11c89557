"""Between the internal contract (pydantic, on Kafka) and the pure domain (dataclasses)."""

from datetime import datetime
from typing import TypeAlias
from uuid import NAMESPACE_URL

from capacity.adapters.offer_timers import OfferTimer
from capacity.domain import (
    Decision,
    EventCancelled,
    EventDefined,
    Layout,
    RoundLayout,
    SeatGranted,
    SeatOffered,
    SeatRefused,
    SeatReleased,
    SeatRequest,
    SeatWaitlisted,
    SessionLayout,
    SessionsChanged,
)
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_contracts.ids import name_based_id, random_id
from tilmeld_contracts.internal import capacity_v1 as contract

SOURCE = "urn:tilmeld:capacity"
TIMER_SOURCE = "urn:tilmeld:capacity:offer-timer"
Told: TypeAlias = (
    contract.SeatGranted
    | contract.SeatWaitlisted
    | contract.SeatOffered
    | contract.SeatRefused
    | contract.SeatReleased
    | contract.SessionsChanged
)


def layout_of(definition: EventDefinition) -> Layout:
    return Layout(
        capacity=definition.capacity,
        rounds=tuple(
            RoundLayout(r.id, tuple(SessionLayout(s.id, s.capacity) for s in r.sessions))
            for r in definition.rounds
        ),
        promotion=definition.waitlist.promotion,
        offer_hours=definition.waitlist.offer_hours,
    )


def request_of(command: contract.RequestSeat) -> SeatRequest:
    choices = {round_id: tuple(ranked) for round_id, ranked in command.choices.items()}
    return SeatRequest(command.registration_id, command.organisation_key, choices)


def message_of(event_id: str, decision: Decision) -> tuple[str, Told] | None:
    """The decision as the registration service is told it; None for capacity's own facts."""
    match decision:
        case SeatGranted(request=request):
            return contract.SEAT_GRANTED, contract.SeatGranted(
                event_id=event_id,
                registration_id=request.registration_id,
                sessions=dict(decision.sessions),
                session_waitlists={r: list(s) for r, s in decision.session_waitlists.items()},
                promoted=decision.promoted,
            )
        case SeatWaitlisted(request=request, position=position):
            return contract.SEAT_WAITLISTED, contract.SeatWaitlisted(
                event_id=event_id,
                registration_id=request.registration_id,
                position=position,
            )
        case SeatOffered(registration_id=registration_id, expires_at=expires_at):
            return contract.SEAT_OFFERED, contract.SeatOffered(
                event_id=event_id,
                registration_id=registration_id,
                expires_at=expires_at,
            )
        case SeatRefused(request=request, reason=reason, detail=detail):
            return contract.SEAT_REFUSED, contract.SeatRefused(
                event_id=event_id,
                registration_id=request.registration_id,
                reason=reason,
                detail=detail,
            )
        case SeatReleased(registration_id=registration_id, reason=reason):
            return contract.SEAT_RELEASED, contract.SeatReleased(
                event_id=event_id,
                registration_id=registration_id,
                reason=reason,
            )
        case SessionsChanged(registration_id=registration_id, sessions=sessions):
            return contract.SESSIONS_CHANGED, contract.SessionsChanged(
                event_id=event_id,
                registration_id=registration_id,
                sessions=dict(sessions),
            )
        case EventDefined() | EventCancelled():
            return None


def cloudevent_of(
    event_id: str, decision: Decision, now: datetime, correlation_id: str | None = None
) -> CloudEvent | None:
    message = message_of(event_id, decision)
    if message is None:
        return None
    type_, data = message
    return new_event(
        type=type_,
        source=SOURCE,
        id=random_id(),
        time=now,
        subject=data.registration_id,
        data=data,
        correlation_id=correlation_id,
    )


def expire_offer_event(timer: OfferTimer, now: datetime) -> CloudEvent:
    """The command a fired timer sends. Its id is the timer's, so a republish is a duplicate."""
    deadline = timer.expires_at.isoformat()
    name = f"{TIMER_SOURCE}/{timer.event_id}/{timer.registration_id}/{deadline}"
    data = contract.ExpireOffer(
        event_id=timer.event_id, registration_id=timer.registration_id, expires_at=timer.expires_at
    )
    return new_event(
        type=contract.EXPIRE_OFFER,
        source=TIMER_SOURCE,
        id=name_based_id(NAMESPACE_URL, name),
        time=now,
        subject=timer.registration_id,
        data=data,
    )
