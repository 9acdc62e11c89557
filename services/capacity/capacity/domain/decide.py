"""The capacity rules: `decide(state, command, now)` says what happens, `evolve` applies it.
Pure: no I/O, no clock (`now` dates offers and judges late answers)."""

from datetime import datetime
from typing import assert_never

from capacity.domain.choices import choice_problem
from capacity.domain.commands import (
    AnswerOffer,
    CancelEvent,
    Command,
    DefineEvent,
    ExpireOffer,
    ReleaseSeat,
    RequestSeat,
)
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
from capacity.domain.layout import Layout
from capacity.domain.ledger import Ledger
from capacity.domain.model import ACTIVE, EventState, SeatRequest, Status
from capacity.domain.offers import answer, expire
from capacity.domain.seating import assign_sessions, fit_sessions

EVENT_CANCELLED = "event_cancelled"


def decide(state: EventState, command: Command, now: datetime) -> list[Decision]:
    match command:
        case DefineEvent(layout=layout):
            return _define(state, layout, now)
        case CancelEvent():
            return _cancel(state)
        case RequestSeat(request=request):
            return _request(state, request)
        case ReleaseSeat(registration_id=registration_id, reason=reason):
            return _release(state, registration_id, reason, now)
        case AnswerOffer(registration_id=registration_id, accepted=accepted):
            return answer(state, registration_id, accepted, now)
        case ExpireOffer(registration_id=registration_id, expires_at=expires_at):
            return expire(state, registration_id, expires_at, now)
        case _:
            assert_never(command)


def _request(state: EventState, request: SeatRequest) -> list[Decision]:
    if request.registration_id in state.registrations:
        return []  # a replayed request was answered the first time
    if state.cancelled:
        event = state.event_id
        detail = f"arrangementet {event!r} er aflyst / event {event!r} is cancelled"
        return [SeatRefused(request, "unknown_event", detail)]
    if state.layout is None:
        detail = f"ukendt arrangement {state.event_id!r} / unknown event {state.event_id!r}"
        return [SeatRefused(request, "unknown_event", detail)]
    problem = choice_problem(state.layout, request.choices)
    if problem is not None:
        return [SeatRefused(request, "invalid_session", problem)]
    waiting = state.count(Status.WAITING)
    if waiting or not state.event_has_room():
        return [SeatWaitlisted(request, position=waiting + 1)]
    taken = state.session_seats_taken()
    sessions, waitlists = assign_sessions(state.layout, request.choices, taken)
    return [SeatGranted(request, sessions, waitlists)]


def _release(state: EventState, registration_id: str, reason: str, now: datetime) -> list[Decision]:
    known = state.registrations.get(registration_id)
    if known is None or known.status not in ACTIVE:
        return []  # unknown or already released: nothing to free
    ledger = Ledger(state, now)
    ledger.record(SeatReleased(registration_id, reason))
    ledger.settle()
    return ledger.result()


def _define(state: EventState, layout: Layout, now: datetime) -> list[Decision]:
    if state.cancelled or state.layout == layout:
        return []  # a cancelled event stays cancelled; a resent definition changes nothing
    ledger = Ledger(state, now)
    ledger.record(EventDefined(layout))
    for holder in ledger.state.holders():
        fitted = fit_sessions(layout, holder)
        if fitted != holder.sessions:
            ledger.record(SessionsChanged(holder.registration_id, fitted))
    # More seats or sessions than before serve the waitlists at once. Fewer take nothing from
    # anyone: holders keep their seats and open offers stay open until answered or expired.
    ledger.settle()
    return ledger.result()


def _cancel(state: EventState) -> list[Decision]:
    if state.cancelled:
        return []
    active = sorted(
        (r for r in state.registrations.values() if r.status in ACTIVE), key=lambda r: r.arrival
    )
    return [
        EventCancelled(),
        *(SeatReleased(r.registration_id, EVENT_CANCELLED) for r in active),
    ]
