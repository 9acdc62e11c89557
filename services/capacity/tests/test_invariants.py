"""Properties of the pure core over random command sequences, in both promotion modes: capacity
is never exceeded by a new grant or offer, offers go in arrival order and nobody is passed
over, every request gets one first answer and every offer one close, decisions replay."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capacity.domain import (
    OFFER_DECLINED,
    OFFER_EXPIRED,
    AnswerOffer,
    CancelEvent,
    DefineEvent,
    EventState,
    ExpireOffer,
    Layout,
    ReleaseSeat,
    RequestSeat,
    RoundLayout,
    SeatGranted,
    SeatOffered,
    SeatRefused,
    SeatReleased,
    SeatRequest,
    SeatWaitlisted,
    SessionLayout,
    Status,
    decide,
    replay,
)
from capacity.domain.model import Tally
from capacity.domain.seating import has_room, waited_on

START = datetime(2023, 9, 1, tzinfo=UTC)
QUICK = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
REGISTRATIONS = [f"reg-{i}" for i in range(10)]
NEWCOMER = "?"  # resolved to the first registration id the event has not seen
# Rounds share session ids, as a theme meeting held in both rounds does (seed 001).
SESSION_POOL = {f"r{i}": [f"s{j}" for j in range(3)] for i in range(2)}
capacities = st.one_of(st.none(), st.integers(0, 3))
minutes = st.sampled_from([0, 0, 0, 1, 5, 10, 30, 90])  # between commands: some answers come late
event_capacities = st.sampled_from([None, 0, 1, 1, 2, 2, 3])  # mostly full: waitlists form


@dataclass(frozen=True)
class Release:
    """Release the `pick`-th seated registration (holding or offered; else any active one),
    or `name` (maybe waiting, unknown or closed)."""

    pick: int
    name: str | None


@dataclass(frozen=True)
class Answer:
    """Answer the `pick`-th open offer (or, with none open, some registration)."""

    pick: int
    accepted: bool


@dataclass(frozen=True)
class Expire:
    """Fire the timer of the `pick`-th open offer; a stale timer names another deadline."""

    pick: int
    stale: bool


@st.composite
def layouts(draw, rounds: list[str], promotion: str):
    """A layout in the scenario's promotion mode; now and then the organiser switches it."""
    parts = []
    for round_id in rounds:
        sessions = draw(st.lists(st.sampled_from(SESSION_POOL[round_id]), min_size=1, unique=True))
        seats = tuple(SessionLayout(s, draw(capacities)) for s in sessions)
        parts.append(RoundLayout(round_id, seats))
    if draw(st.integers(0, 5)) == 0:
        promotion = {"auto": "offer", "offer": "auto"}[promotion]
    offer_hours = draw(st.integers(1, 2))
    return Layout(draw(event_capacities), tuple(parts), promotion, offer_hours)


@st.composite
def requests(draw, rounds: list[str]):
    chosen = draw(st.lists(st.sampled_from(rounds), unique=True)) if rounds else []
    choices = {
        r: tuple(draw(st.lists(st.sampled_from(SESSION_POOL[r]), max_size=3, unique=True)))
        for r in chosen
    }
    # Mostly a newcomer (so waitlists form), now and then a replay of an earlier request.
    name = draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(REGISTRATIONS)))
    return RequestSeat(SeatRequest(name or NEWCOMER, "org", choices))


# How often each kind of command comes (cancellation ends a scenario's interest: keep it rare).
KINDS = ["request"] * 20 + ["release"] * 8 + ["answer"] * 8 + ["expire"] * 4 + ["define"] * 5
KINDS += ["cancel"]


@st.composite
def commands(draw, rounds: list[str], promotion: str):
    kind = draw(st.sampled_from(KINDS))
    if kind == "request":
        return draw(requests(rounds))
    if kind == "release":
        name = draw(st.one_of(st.none(), st.none(), st.sampled_from([*REGISTRATIONS, "ghost"])))
        return Release(draw(st.integers(0, 7)), name)
    if kind == "answer":
        return Answer(draw(st.integers(0, 7)), draw(st.booleans()))
    if kind == "expire":
        return Expire(draw(st.integers(0, 7)), draw(st.booleans()))
    if kind == "define":
        return DefineEvent(draw(layouts(rounds, promotion)))
    return CancelEvent()


@st.composite
def scenarios(draw):
    """(command, minutes since the previous one) pairs: answers may come after a deadline."""
    rounds = draw(st.lists(st.sampled_from(sorted(SESSION_POOL)), unique=True))
    promotion = draw(st.sampled_from(["auto", "offer", "offer"]))
    steps = draw(st.lists(st.tuples(commands(rounds, promotion), minutes), min_size=6, max_size=40))
    ending = [(CancelEvent(), 0)] if draw(st.integers(0, 3)) == 0 else []  # with people in it
    return [(DefineEvent(draw(layouts(rounds, promotion))), 0), *steps, *ending]


def resolve(state: EventState, command):
    """The real command for a placeholder (newcomer, release, answer, expiry), chosen by the
    state as it is: deterministic, so a replay resolves the same way."""
    offered = state.offered()
    if isinstance(command, RequestSeat) and command.request.registration_id == NEWCOMER:
        unseen = [r for r in REGISTRATIONS if r not in state.registrations] or REGISTRATIONS
        return RequestSeat(replace(command.request, registration_id=unseen[0]))
    if isinstance(command, Release):
        seated = sorted(state.holders() + offered, key=lambda r: r.arrival) or state.waiters()
        if command.name is None and seated:
            return ReleaseSeat(seated[command.pick % len(seated)].registration_id, "by_attendee")
        return ReleaseSeat(command.name or "ghost", "by_attendee")
    if isinstance(command, Answer):
        target = offered[command.pick % len(offered)].registration_id if offered else None
        return AnswerOffer(target or REGISTRATIONS[command.pick], command.accepted)
    if isinstance(command, Expire):
        if not offered:
            return ExpireOffer(REGISTRATIONS[command.pick], START)
        chosen = offered[command.pick % len(offered)]
        stale = timedelta(hours=1) if command.stale else timedelta()
        return ExpireOffer(chosen.registration_id, chosen.offer_expires_at - stale)
    return command


@dataclass(frozen=True)
class Step:
    before: EventState
    command: object
    now: datetime
    decisions: list
    after: EventState


def run(scenario) -> list[Step]:
    state, now, steps = EventState("ev"), START, []
    for placeholder, minutes in scenario:
        now += timedelta(minutes=minutes)
        command = resolve(state, placeholder)
        decisions = decide(state, command, now)
        after = replay(state, decisions)
        steps.append(Step(state, command, now, decisions, after))
        state = after
    return steps


def event_seats(state: EventState) -> int:
    """Held and offered seats, counted here rather than trusting `EventState.seats_taken`."""
    return sum(r.status in (Status.HOLDING, Status.OFFERED) for r in state.registrations.values())


def subject_of(decision) -> str | None:
    request = getattr(decision, "request", None)
    return request.registration_id if request else getattr(decision, "registration_id", None)


def session_load(state: EventState) -> dict[tuple[str, str], tuple[int, int | None]]:
    taken = state.session_seats_taken()
    return {k: (taken[k], state.layout.session_capacity(k)) for k in state.layout.session_keys()}


@settings(max_examples=250, **QUICK)
@given(scenarios())
def test_no_new_grant_or_offer_beyond_capacity(scenario):
    for step in run(scenario):
        before, after = step.before, step.after
        cap = after.layout.capacity
        # Held and offered seats: never above capacity, except seats held before a decrease.
        assert cap is None or event_seats(after) <= max(cap, event_seats(before))
        old = before.session_seats_taken() if before.layout else {}
        for session, (taken, session_cap) in session_load(after).items():
            assert session_cap is None or taken <= max(session_cap, old.get(session, 0))
        offers = [d for d in step.decisions if isinstance(d, SeatOffered)]
        if offers:  # one open offer per free seat, only in offer mode, dated by the clock
            assert cap is None or event_seats(after) <= cap
            assert after.layout.promotion == "offer"
            hours = timedelta(hours=after.layout.offer_hours)
            assert all(o.expires_at == step.now + hours for o in offers)
        promoted = [d for d in step.decisions if isinstance(d, SeatGranted) and d.promoted]
        if after.layout.promotion == "offer":  # off the waitlist only by accepting an offer
            assert not promoted or isinstance(step.command, AnswerOffer)
        for r in after.registrations.values():
            assert (r.status is Status.OFFERED) == (r.offer_expires_at is not None)
            assert r.status is Status.HOLDING or not r.sessions


@settings(max_examples=250, **QUICK)
@given(scenarios())
def test_nobody_is_passed_over(scenario):
    sessions_removed = False
    seated_at: dict[str, int] = {}  # registration → step it got its event seat
    accepted: set[str] = set()  # seated by accepting an offer
    for i, step in enumerate(run(scenario)):
        before, after = step.before, step.after
        if before.layout and set(before.layout.session_keys()) - set(after.layout.session_keys()):
            sessions_removed = True  # holders of a removed session may wait behind later ones
        for r in after.holders():
            if (
                r.registration_id not in seated_at
                or before.registrations.get(r.registration_id, r).status is not Status.HOLDING
            ):
                seated_at[r.registration_id] = i
        if isinstance(step.command, AnswerOffer) and step.decisions:
            accepted.add(step.command.registration_id)
        offered_now = [d.registration_id for d in step.decisions if isinstance(d, SeatOffered)]
        arrivals = [after.registrations[r].arrival for r in offered_now]
        assert arrivals == sorted(arrivals)  # offers go in arrival order
        holders, offered, waiters = after.holders(), after.offered(), after.waiters()
        assert all(s.arrival < w.arrival for s in holders + offered for w in waiters)
        if after.cancelled:
            assert not holders + offered + waiters  # everyone was released
            continue
        cap = after.layout.capacity
        full = cap is not None and event_seats(after) >= cap
        assert not waiters or full  # a free seat never idles
        taken = after.session_seats_taken()
        for h in holders:
            for round_id, wanted in waited_on(after.layout, h).items():
                assert not any(has_room(after.layout, (round_id, s), taken) for s in wanted)
                if sessions_removed:
                    continue
                for o in holders:
                    if o.arrival < h.arrival or o.sessions.get(round_id) not in wanted:
                        continue
                    # Only a seat taken while h's offer was open (an offer holds no session).
                    rid = h.registration_id
                    assert rid in accepted and seated_at[rid] > seated_at[o.registration_id]


@settings(max_examples=250, **QUICK)
@given(scenarios())
def test_every_request_gets_exactly_one_first_answer(scenario):
    for step in run(scenario):
        if not isinstance(step.command, RequestSeat):
            continue
        rid = step.command.request.registration_id
        if rid in step.before.registrations:
            assert step.decisions == []
            continue
        [answer] = step.decisions
        assert answer.request == step.command.request
        assert isinstance(answer, SeatGranted | SeatWaitlisted | SeatRefused)
        assert not isinstance(answer, SeatGranted) or not answer.promoted
        if isinstance(answer, SeatWaitlisted):
            assert answer.position == len(step.after.waiters())
        expected = {SeatGranted: Status.HOLDING, SeatWaitlisted: Status.WAITING}
        assert step.after.registrations[rid].status == expected.get(type(answer), Status.REFUSED)


@settings(max_examples=250, **QUICK)
@given(scenarios())
def test_every_offer_is_closed_exactly_once(scenario):
    for step in run(scenario):
        command = step.command
        if not isinstance(command, AnswerOffer | ExpireOffer):
            continue
        rid = command.registration_id
        known = step.before.registrations.get(rid)
        open_offer = known is not None and known.status is Status.OFFERED
        if isinstance(command, ExpireOffer):
            open_offer = open_offer and known.offer_expires_at == command.expires_at
        about_rid = [d for d in step.decisions if subject_of(d) == rid]
        if not open_offer:
            assert step.decisions == []
            continue
        [closed] = about_rid
        late = step.now >= known.offer_expires_at
        if isinstance(command, AnswerOffer) and command.accepted and not late:
            assert isinstance(closed, SeatGranted) and closed.promoted
        elif isinstance(command, AnswerOffer) and not late:
            assert closed == SeatReleased(rid, OFFER_DECLINED)
        else:
            assert closed == SeatReleased(rid, OFFER_EXPIRED)
        assert step.after.registrations[rid].status is not Status.OFFERED


@settings(max_examples=100, **QUICK)
@given(scenarios())
def test_replaying_the_commands_gives_the_same_decisions(scenario):
    first = [step.decisions for step in run(scenario)]
    assert first == [step.decisions for step in run(scenario)]


@settings(max_examples=150, **QUICK)
@given(scenarios())
def test_the_counts_carried_along_match_a_recount(scenario):
    # `EventState` keeps its status and session-seat counts in step with each decision instead
    # of scanning a rush's waitlist; they must equal what a recount of the registrations gives.
    # A new state shares its counts with the one before until they differ (copy on change):
    # deriving it must leave every earlier state's counts as they were.
    steps = run(scenario)
    for step in steps:
        recount = Tally.of(step.after.registrations.values())
        assert step.after.tally == recount
        holding = [r for r in step.after.registrations.values() if r.status is Status.HOLDING]
        assert step.after.count(Status.HOLDING) == len(holding)
        assert step.after.seats_taken() == event_seats(step.after)
    for step in steps:
        assert step.before.tally == Tally.of(step.before.registrations.values())
