"""The capacity rules: `decide(state, command, now)` says what happens, `evolve` applies it.
Pure: no I/O, no clock (`now` is for offer expiry, which comes with offer mode)."""

from datetime import datetime
from typing import assert_never

from capacity.domain.choices import choice_problem
from capacity.domain.commands import CancelEvent, Command, DefineEvent, ReleaseSeat, RequestSeat
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
from capacity.domain.evolve import evolve
from capacity.domain.layout import Layout
from capacity.domain.model import EventState, SeatRequest, Status
from capacity.domain.seating import assign_sessions, fit_sessions, next_promotion, next_session_move

EVENT_CANCELLED = "event_cancelled"


def decide(state: EventState, command: Command, now: datetime) -> list[Decision]:
    match command:
        case DefineEvent(layout=layout):
            return _define(state, layout)
        case CancelEvent():
            return _cancel(state)
        case RequestSeat(request=request):
            return _request(state, request)
        case ReleaseSeat(registration_id=registration_id, reason=reason):
            return _release(state, registration_id, reason)
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
    waiters = state.waiters()
    if waiters or not state.event_has_room():
        return [SeatWaitlisted(request, position=len(waiters) + 1)]
    taken = state.session_seats_taken()
    sessions, waitlists = assign_sessions(state.layout, request.choices, taken)
    return [SeatGranted(request, sessions, waitlists)]


def _release(state: EventState, registration_id: str, reason: str) -> list[Decision]:
    known = state.registrations.get(registration_id)
    if known is None or known.status not in (Status.HOLDING, Status.WAITING):
        return []  # unknown or already released: nothing to free
    ledger = _Ledger(state)
    ledger.record(SeatReleased(registration_id, reason))
    ledger.settle()
    return ledger.result()


def _define(state: EventState, layout: Layout) -> list[Decision]:
    if state.cancelled or state.layout == layout:
        return []  # a cancelled event stays cancelled; a resent definition changes nothing
    ledger = _Ledger(state)
    ledger.record(EventDefined(layout))
    for holder in ledger.state.holders():
        fitted = fit_sessions(layout, holder)
        if fitted != holder.sessions:
            ledger.record(SessionsChanged(holder.registration_id, fitted))
    ledger.settle()  # more seats or sessions than before serve the waitlists at once
    return ledger.result()


def _cancel(state: EventState) -> list[Decision]:
    if state.cancelled:
        return []
    active = sorted(state.holders() + state.waiters(), key=lambda r: r.arrival)
    return [
        EventCancelled(),
        *(SeatReleased(r.registration_id, EVENT_CANCELLED) for r in active),
    ]


class _Ledger:
    """The decisions of one `decide` so far, and the state they lead to."""

    def __init__(self, state: EventState) -> None:
        self.before, self.state = state, state
        self.decisions: list[Decision] = []

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)
        self.state = evolve(self.state, decision)

    def settle(self) -> None:
        """Serve free seats until none fits: session waitlists first (every holder arrived
        before anyone on the event waitlist), then the event waitlist."""
        while (step := next_session_move(self.state) or next_promotion(self.state)) is not None:
            self.record(step)

    def result(self) -> list[Decision]:
        """One SessionsChanged per holder (the last, as each carries all their sessions), and
        none for a holder who ends where they began: each becomes a message to an attendee."""
        last = {
            d.registration_id: i
            for i, d in enumerate(self.decisions)
            if isinstance(d, SessionsChanged)
        }
        kept: list[Decision] = []
        for i, decision in enumerate(self.decisions):
            if isinstance(decision, SessionsChanged):
                before = self.before.registrations.get(decision.registration_id)
                unchanged = before is not None and before.sessions == decision.sessions
                if last[decision.registration_id] != i or unchanged:
                    continue
            kept.append(decision)
        return kept
