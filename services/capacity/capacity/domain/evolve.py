"""Applying decisions to the state. Never fails on a decision `decide` made for that state."""

from collections.abc import Iterable
from dataclasses import replace
from typing import assert_never

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
from capacity.domain.model import EventState, Registration, SeatRequest, Sessions, Status


def evolve(state: EventState, decision: Decision) -> EventState:
    match decision:
        case EventDefined(layout=layout):
            return state.with_changes(layout=layout)
        case EventCancelled():
            return state.with_changes(cancelled=True)
        case SeatGranted(request=request, sessions=sessions):
            known = state.registrations.get(request.registration_id)
            if known is not None:  # promoted from the waitlist, or accepted an offer
                held = replace(
                    known, status=Status.HOLDING, sessions=sessions, offer_expires_at=None
                )
                return _put(state, held)
            return _admit(state, request, Status.HOLDING, sessions)
        case SeatWaitlisted(request=request):
            return _admit(state, request, Status.WAITING, {})
        case SeatOffered(registration_id=registration_id, expires_at=expires_at):
            known = state.registrations[registration_id]
            offered = replace(known, status=Status.OFFERED, offer_expires_at=expires_at)
            return _put(state, offered)
        case SeatRefused(request=request):
            return _admit(state, request, Status.REFUSED, {})
        case SeatReleased(registration_id=registration_id):
            known = state.registrations[registration_id]
            released = replace(known, status=Status.RELEASED, sessions={}, offer_expires_at=None)
            return _put(state, released)
        case SessionsChanged(registration_id=registration_id, sessions=sessions):
            return _put(state, replace(state.registrations[registration_id], sessions=sessions))
        case _:
            assert_never(decision)


def replay(state: EventState, decisions: Iterable[Decision]) -> EventState:
    for decision in decisions:
        state = evolve(state, decision)
    return state


def _admit(
    state: EventState, request: SeatRequest, status: Status, sessions: Sessions
) -> EventState:
    registration = Registration(
        registration_id=request.registration_id,
        organisation_key=request.organisation_key,
        arrival=state.arrivals,
        status=status,
        choices=request.choices,
        sessions=sessions,
    )
    return state.with_put(registration, arrivals=state.arrivals + 1)


def _put(state: EventState, registration: Registration) -> EventState:
    return state.with_put(registration)
