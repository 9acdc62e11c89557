"""Promotion mode `offer`: a freed event seat is held for the first waiter for `offer_hours`;
accepted → seated, declined or expired → released and offered to the next in line."""

from datetime import timedelta

from capacity.domain import (
    EVENT_CANCELLED,
    OFFER_DECLINED,
    OFFER_EXPIRED,
    EventCancelled,
    SeatGranted,
    SeatOffered,
    SeatReleased,
    SeatWaitlisted,
    SessionsChanged,
    Status,
)
from capacity.domain.seating import waited_on

HOURS = 2


def outcome(decisions):
    """Compact rows: ("offered", id, hours from the desk's start) and the like."""
    rows = []
    for d in decisions:
        match d:
            case SeatGranted():
                rows.append(("promoted" if d.promoted else "granted", d.request.registration_id))
            case SeatWaitlisted():
                rows.append(("waitlisted", d.request.registration_id, d.position))
            case SeatOffered():
                rows.append(("offered", d.registration_id))
            case SeatReleased():
                rows.append(("released", d.registration_id, d.reason))
            case SessionsChanged():
                rows.append(("sessions", d.registration_id, dict(d.sessions)))
            case _:
                rows.append((type(d).__name__,))
    return rows


def offer_desk(desk, capacity=1, waiting="bc", **kwargs):
    """Offer mode with `capacity` seats: `a` arrives first, then `waiting` in order."""
    d = desk(capacity, promotion="offer", offer_hours=HOURS, **kwargs)
    for r in "a" + waiting:
        d.request(r)
    return d


# A freed seat is offered, held, and counts as taken.
def test_freed_seat_is_offered_to_the_first_waiter_until_a_deadline(desk):
    d = offer_desk(desk)
    d.advance(minutes=5)
    decisions = d.release("a")
    assert outcome(decisions) == [("released", "a", "by_attendee"), ("offered", "b")]
    assert decisions[1].expires_at == d.now + timedelta(hours=HOURS)
    b = d.state.registrations["b"]
    assert b.status is Status.OFFERED and b.offer_expires_at == decisions[1].expires_at
    assert d.state.seats_taken() == 1


def test_an_offered_seat_is_taken_and_new_signups_wait_behind_the_waitlist(desk):
    d = offer_desk(desk)
    d.release("a")
    # b is offered, so only c waits: z is second in line, not first and not seated.
    assert outcome(d.request("z")) == [("waitlisted", "z", 2)]


def test_no_waiters_no_offer(desk):
    d = offer_desk(desk, waiting="")
    assert outcome(d.release("a")) == [("released", "a", "by_attendee")]
    assert outcome(d.request("z")) == [("granted", "z")]


# Accepted → seated, by the session choices at that moment.
def test_accepted_offer_seats_by_the_choices_when_accepting(desk):
    d = desk(1, {"r1": {"s1": 1, "s2": None}}, promotion="offer", offer_hours=HOURS)
    d.request("a", {"r1": ["s1"]})
    d.request("b", {"r1": ["s1", "s2"]})
    d.request("c")
    d.release("a")
    assert d.state.session_seats_taken()[("r1", "s1")] == 0  # an offer holds no session
    d.advance(hours=1)
    [promoted] = d.answer("b")
    assert outcome([promoted]) == [("promoted", "b")]
    assert promoted.sessions == {"r1": "s1"} and promoted.session_waitlists == {}
    assert d.state.registrations["b"].offer_expires_at is None
    assert outcome(d.release("b")) == [("released", "b", "by_attendee"), ("offered", "c")]


def test_a_session_taken_while_the_offer_was_open_is_waited_on(desk, layout):
    d = desk(1, {"r1": {"s1": 1, "s2": None}}, promotion="offer", offer_hours=HOURS)
    d.request("a", {"r1": ["s1"]})
    d.request("b", {"r1": ["s1", "s2"]})
    d.release("a")
    d.define(layout(2, {"r1": {"s1": 1, "s2": None}}, promotion="offer", offer_hours=HOURS))
    d.request("late", {"r1": ["s1"]})  # a seat is free and nobody waits: seated at once
    [promoted] = d.answer("b")
    assert promoted.sessions == {"r1": "s2"} and promoted.session_waitlists == {"r1": ("s1",)}
    assert waited_on(d.state.layout, d.state.registrations["b"]) == {"r1": ("s1",)}


# Declined or expired → released, and the seat is offered to the next.
def test_declined_offer_is_released_and_offered_on(desk):
    d = offer_desk(desk)
    d.release("a")
    d.advance(minutes=30)
    decisions = d.answer("b", accepted=False)
    assert outcome(decisions) == [("released", "b", OFFER_DECLINED), ("offered", "c")]
    assert decisions[1].expires_at == d.now + timedelta(hours=HOURS)


def test_expired_offer_is_released_and_offered_on(desk):
    d = offer_desk(desk)
    d.release("a")
    d.advance(hours=HOURS)
    assert outcome(d.expire("b")) == [("released", "b", OFFER_EXPIRED), ("offered", "c")]
    assert d.state.registrations["b"].status is Status.RELEASED


def test_a_stale_timer_is_ignored(desk):
    d = offer_desk(desk)
    d.release("a")
    deadline = d.state.registrations["b"].offer_expires_at
    assert d.expire("b", deadline - timedelta(hours=1)) == []  # not this offer's timer
    d.answer("b")
    assert d.expire("b", deadline) == []  # answered before the timer fired
    assert d.state.registrations["b"].status is Status.HOLDING


def test_an_acceptance_after_the_deadline_comes_too_late(desk):
    d = offer_desk(desk)
    d.release("a")
    deadline = d.state.registrations["b"].offer_expires_at
    d.now = deadline  # the timer has not fired yet
    assert outcome(d.answer("b")) == [("released", "b", OFFER_EXPIRED), ("offered", "c")]
    assert d.expire("b", deadline) == []


def test_an_answer_without_an_open_offer_decides_nothing(desk):
    d = offer_desk(desk)
    assert d.answer("a") == []  # holds a seat
    assert d.answer("b") == []  # waits, was never offered
    assert d.answer("nobody", accepted=False) == []
    d.release("a")
    d.answer("b")
    assert d.answer("b") == [] and d.answer("b", accepted=False) == []  # answered before
    assert d.state.registrations["b"].status is Status.HOLDING


# Cancellation of an offered registration.
def test_cancelling_an_offered_registration_offers_the_seat_on(desk):
    d = offer_desk(desk)
    d.release("a")
    assert outcome(d.release("b")) == [("released", "b", "by_attendee"), ("offered", "c")]
    assert d.answer("b") == []


# Organiser changes.
def test_raised_capacity_offers_one_seat_each_to_the_first_waiters(desk, layout):
    d = offer_desk(desk, waiting="bcde")
    decisions = d.define(layout(3, promotion="offer", offer_hours=HOURS))
    assert outcome(decisions) == [("EventDefined",), ("offered", "b"), ("offered", "c")]
    assert [r.registration_id for r in d.state.waiters()] == ["d", "e"]


def test_lowered_capacity_keeps_open_offers_and_new_signups_wait(desk, layout):
    d = offer_desk(desk, capacity=2, waiting="")
    d.request("h")  # a and h hold both seats
    d.request("b")
    d.request("c")
    d.release("a")  # b offered
    assert outcome(d.define(layout(1, promotion="offer", offer_hours=HOURS))) == [("EventDefined",)]
    assert d.state.registrations["b"].status is Status.OFFERED  # nobody loses a held seat
    assert outcome(d.request("z")) == [("waitlisted", "z", 2)]
    assert outcome(d.answer("b")) == [("promoted", "b")]
    assert d.state.seats_taken() == 2  # above the new capacity, as held before the decrease
    assert outcome(d.release("h")) == [("released", "h", "by_attendee")]  # 1 of 1: no offer
    assert outcome(d.release("b")) == [("released", "b", "by_attendee"), ("offered", "c")]


def test_switching_to_auto_keeps_open_offers_and_seats_the_next_at_once(desk, layout):
    d = offer_desk(desk, capacity=2, waiting="")
    for r in "hbc":
        d.request(r)
    d.release("a")  # b offered
    d.define(layout(2, promotion="auto"))
    assert d.state.registrations["b"].status is Status.OFFERED
    assert outcome(d.release("h")) == [("released", "h", "by_attendee"), ("promoted", "c")]
    assert outcome(d.answer("b")) == [("promoted", "b")]


def test_cancelled_event_releases_offered_with_holders_and_waiters(desk):
    d = offer_desk(desk, capacity=2, waiting="")
    for r in "hbc":
        d.request(r)
    d.release("a")  # b offered, c waits
    decisions = d.cancel()
    assert isinstance(decisions[0], EventCancelled)
    assert outcome(decisions[1:]) == [("released", r, EVENT_CANCELLED) for r in "hbc"]
    assert d.answer("b") == [] and d.expire("b", d.now + timedelta(hours=HOURS)) == []


def test_a_freed_session_seat_goes_to_holders_while_the_event_seat_is_offered(desk):
    d = desk(2, {"r1": {"s1": 1, "s2": 5}}, promotion="offer", offer_hours=HOURS)
    d.request("a", {"r1": ["s1"]})
    d.request("b", {"r1": ["s1", "s2"]})  # holds s2, waits on s1
    d.request("w", {"r1": ["s1"]})
    assert outcome(d.release("a")) == [
        ("released", "a", "by_attendee"),
        ("sessions", "b", {"r1": "s1"}),
        ("offered", "w"),
    ]
