"""Between the internal contract (pydantic, on Kafka) and the pure domain (dataclasses)."""

from datetime import datetime
from typing import TypeAlias
from uuid import uuid4

from capacity.domain import (
    Decision,
    EventCancelled,
    EventDefined,
    Layout,
    RoundLayout,
    SeatGranted,
    SeatRefused,
    SeatReleased,
    SeatRequest,
    SeatWaitlisted,
    SessionLayout,
    SessionsChanged,
)
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_contracts.internal import capacity_v1 as contract

SOURCE = "urn:tilmeld:capacity"
Told: TypeAlias = (
    contract.SeatGranted | contract.SeatWaitlisted | contract.SeatRefused | contract.SeatReleased
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
                event_id=event_id, registration_id=request.registration_id,
                sessions=dict(decision.sessions),
                session_waitlists={r: list(s) for r, s in decision.session_waitlists.items()},
                promoted=decision.promoted,
            )
        case SeatWaitlisted(request=request, position=position):
            return contract.SEAT_WAITLISTED, contract.SeatWaitlisted(
                event_id=event_id, registration_id=request.registration_id, position=position,
            )
        case SeatRefused(request=request, reason=reason, detail=detail):
            return contract.SEAT_REFUSED, contract.SeatRefused(
                event_id=event_id, registration_id=request.registration_id, reason=reason,
                detail=detail,
            )
        case SeatReleased(registration_id=registration_id, reason=reason):
            return contract.SEAT_RELEASED, contract.SeatReleased(
                event_id=event_id, registration_id=registration_id, reason=reason,
            )
        case SessionsChanged(registration_id=registration_id, sessions=sessions):
            return contract.SESSIONS_CHANGED, contract.SessionsChanged(
                event_id=event_id, registration_id=registration_id, sessions=dict(sessions),
            )
        case EventDefined() | EventCancelled():
            return None


def cloudevent_of(event_id: str, decision: Decision, now: datetime) -> CloudEvent | None:
    message = message_of(event_id, decision)
    if message is None:
        return None
    type_, data = message
    return new_event(type=type_, source=SOURCE, id=str(uuid4()), time=now,
                     subject=data.registration_id, data=data)
