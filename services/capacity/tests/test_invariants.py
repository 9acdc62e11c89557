"""Properties of the pure core over random command sequences: capacity is never exceeded by a
new grant, nobody is passed over, every request gets one first answer, decisions replay."""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.domain import (
    CancelEvent,
    DefineEvent,
    EventState,
    Layout,
    ReleaseSeat,
    RequestSeat,
    RoundLayout,
    SeatGranted,
    SeatRefused,
    SeatRequest,
    SeatWaitlisted,
    SessionLayout,
    Status,
    decide,
    replay,
)
from capacity.domain.seating import has_room, waited_on

NOW = datetime(2023, 9, 1, tzinfo=UTC)
QUICK = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
REGISTRATIONS = [f"reg-{i}" for i in range(8)]
# Rounds share session ids, as a theme meeting held in both rounds does (seed 001).
SESSION_POOL = {f"r{i}": [f"s{j}" for j in range(3)] for i in range(2)}
capacities = st.one_of(st.none(), st.integers(0, 3))


@st.composite
def layouts(draw, rounds: list[str]):
    parts = []
    for round_id in rounds:
        sessions = draw(st.lists(st.sampled_from(SESSION_POOL[round_id]), min_size=1, unique=True))
        seats = tuple(SessionLayout(s, draw(capacities)) for s in sessions)
        parts.append(RoundLayout(round_id, seats))
    return Layout(capacity=draw(capacities), rounds=tuple(parts))


@st.composite
def requests(draw, rounds: list[str]):
    chosen = draw(st.lists(st.sampled_from(rounds), unique=True)) if rounds else []
    choices = {
        r: tuple(draw(st.lists(st.sampled_from(SESSION_POOL[r]), max_size=3, unique=True)))
        for r in chosen
    }
    return RequestSeat(SeatRequest(draw(st.sampled_from(REGISTRATIONS)), "org", choices))


@st.composite
def commands(draw, rounds: list[str]):
    kind = draw(st.integers(0, 39))  # weights: 24 requests, 8 releases, 7 changes, 1 cancel
    if kind < 24:
        return draw(requests(rounds))
    if kind < 32:
        return ReleaseSeat(draw(st.sampled_from([*REGISTRATIONS, "ghost"])), "by_attendee")
    if kind < 39:
        return DefineEvent(draw(layouts(rounds)))
    return CancelEvent()


@st.composite
def scenarios(draw):
    rounds = draw(st.lists(st.sampled_from(sorted(SESSION_POOL)), unique=True))
    return [DefineEvent(draw(layouts(rounds))), *draw(st.lists(commands(rounds), max_size=30))]


def run(commands):
    """Each step as (state before, command, decisions, state after)."""
    state, steps = EventState("ev"), []
    for command in commands:
        decisions = decide(state, command, NOW)
        after = replay(state, decisions)
        steps.append((state, command, decisions, after))
        state = after
    return steps


def session_load(state: EventState) -> dict[tuple[str, str], tuple[int, int | None]]:
    taken = state.session_seats_taken()
    return {k: (taken[k], state.layout.session_capacity(k)) for k in state.layout.session_keys()}


@settings(max_examples=400, **QUICK)
@given(scenarios())
def test_no_new_grant_beyond_capacity(scenario):
    for before, _, _, after in run(scenario):
        cap = after.layout.capacity
        assert cap is None or after.seats_taken() <= max(cap, before.seats_taken())
        old = before.session_seats_taken() if before.layout else {}
        for session, (taken, cap) in session_load(after).items():
            assert cap is None or taken <= max(cap, old.get(session, 0))


@settings(max_examples=400, **QUICK)
@given(scenarios())
def test_nobody_is_passed_over(scenario):
    sessions_removed = False
    for before, _, _, after in run(scenario):
        if before.layout and set(before.layout.session_keys()) - set(after.layout.session_keys()):
            sessions_removed = True  # holders of a removed session may wait behind later ones
        holders, waiters = after.holders(), after.waiters()
        assert all(h.arrival < w.arrival for h in holders for w in waiters)
        if after.cancelled:
            continue
        assert not waiters or not after.event_has_room()  # a free seat never idles
        taken = after.session_seats_taken()
        for h in holders:
            for round_id, wanted in waited_on(after.layout, h).items():
                assert not any(has_room(after.layout, (round_id, s), taken) for s in wanted)
                if not sessions_removed:
                    later = [o for o in holders if o.arrival > h.arrival]
                    assert not any(o.sessions.get(round_id) in wanted for o in later)


@settings(max_examples=400, **QUICK)
@given(scenarios())
def test_every_request_gets_exactly_one_first_answer(scenario):
    for before, command, decisions, after in run(scenario):
        if not isinstance(command, RequestSeat):
            continue
        rid = command.request.registration_id
        if rid in before.registrations:
            assert decisions == []
            continue
        [answer] = decisions
        assert answer.request == command.request
        assert isinstance(answer, SeatGranted | SeatWaitlisted | SeatRefused)
        assert not isinstance(answer, SeatGranted) or not answer.promoted
        if isinstance(answer, SeatWaitlisted):
            assert answer.position == len(after.waiters())
        expected = {SeatGranted: Status.HOLDING, SeatWaitlisted: Status.WAITING}
        assert after.registrations[rid].status == expected.get(type(answer), Status.REFUSED)


@settings(max_examples=200, **QUICK)
@given(scenarios())
def test_replaying_the_commands_gives_the_same_decisions(scenario):
    first = [decisions for _, _, decisions, _ in run(scenario)]
    assert first == [decisions for _, _, decisions, _ in run(scenario)]
