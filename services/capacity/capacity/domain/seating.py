"""Who gets which seat: sessions by ranked choice, freed seats to the earliest in line."""

from collections import Counter
from datetime import datetime, timedelta

from capacity.domain.choices import Choices, effective_choices
from capacity.domain.decisions import SeatGranted, SeatOffered, SessionsChanged, SessionWaitlists
from capacity.domain.layout import Layout, SessionKey
from capacity.domain.model import EventState, Registration, Sessions


def has_room(layout: Layout, key: SessionKey, taken: Counter[SessionKey]) -> bool:
    capacity = layout.session_capacity(key)
    return capacity is None or taken[key] < capacity


def assign_sessions(
    layout: Layout, choices: Choices, taken: Counter[SessionKey]
) -> tuple[Sessions, SessionWaitlists]:
    """Per round the best choice with a free seat (None if all are full), and the better
    choices the attendee now waits for."""
    sessions: dict[str, str | None] = {}
    waitlists: dict[str, tuple[str, ...]] = {}
    for round_id, ranked in effective_choices(layout, choices).items():
        granted = next((s for s in ranked if has_room(layout, (round_id, s), taken)), None)
        sessions[round_id] = granted
        better = _better_than(ranked, granted)
        if better:
            waitlists[round_id] = better
    return sessions, waitlists


def waited_on(layout: Layout, holder: Registration) -> SessionWaitlists:
    """The sessions a holder waits for: in each round, the choices ranked above the one held."""
    waits: dict[str, tuple[str, ...]] = {}
    for round_id, ranked in effective_choices(layout, holder.choices).items():
        better = _better_than(ranked, holder.sessions.get(round_id))
        if better:
            waits[round_id] = better
    return waits


def fit_sessions(layout: Layout, holder: Registration) -> Sessions:
    """The holder's sessions after a layout change: a session that was removed or moved to
    another round is no longer held, so the holder waits in that round again."""
    return {
        round_id: held if (held := holder.sessions.get(round_id)) in ranked else None
        for round_id, ranked in effective_choices(layout, holder.choices).items()
    }


def next_session_move(state: EventState) -> SessionsChanged | None:
    """A free session seat for the earliest holder waiting on it, who takes their best free
    choice (and so frees their old, lower choice for the next in line)."""
    if state.layout is None:
        return None
    taken = state.session_seats_taken()
    for holder in state.holders():
        for round_id, wanted in waited_on(state.layout, holder).items():
            free = next((s for s in wanted if has_room(state.layout, (round_id, s), taken)), None)
            if free is not None:
                return SessionsChanged(holder.registration_id, {**holder.sessions, round_id: free})
    return None


def next_promotion(state: EventState, now: datetime) -> SeatGranted | SeatOffered | None:
    """A free event seat for the first on the waitlist: seated at once (`auto`), or held for
    them for `offer_hours` (`offer`)."""
    if state.layout is None or not state.event_has_room():
        return None
    waiters = state.waiters()
    if not waiters:
        return None
    first = waiters[0]
    if state.layout.promotion == "offer":
        return SeatOffered(first.registration_id, now + timedelta(hours=state.layout.offer_hours))
    return seat_promoted(state, first)


def seat_promoted(state: EventState, registration: Registration) -> SeatGranted:
    """An event seat for someone off the waitlist; their choices count as of now."""
    assert state.layout is not None
    taken = state.session_seats_taken()
    sessions, waitlists = assign_sessions(state.layout, registration.choices, taken)
    return SeatGranted(registration.request(), sessions, waitlists, promoted=True)


def _better_than(ranked: tuple[str, ...], held: str | None) -> tuple[str, ...]:
    if held is None or held not in ranked:
        return ranked
    return ranked[: ranked.index(held)]
