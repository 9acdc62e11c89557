"""The event-level rules: seats, the FIFO waitlist, releases, organiser changes, cancellation.
Session rules are in test_domain_sessions.py."""

from capacity.domain import (
    EVENT_CANCELLED,
    EventCancelled,
    EventDefined,
    SeatGranted,
    SeatRefused,
    SeatReleased,
    SeatWaitlisted,
    Status,
)


def outcome(decisions):
    """(kind, registration id, detail) per decision, for compact asserts."""
    rows = []
    for d in decisions:
        match d:
            case SeatGranted():
                rows.append(("promoted" if d.promoted else "granted", d.request.registration_id))
            case SeatWaitlisted():
                rows.append(("waitlisted", d.request.registration_id, d.position))
            case SeatRefused():
                rows.append(("refused", d.request.registration_id, d.reason))
            case SeatReleased():
                rows.append(("released", d.registration_id, d.reason))
            case _:
                rows.append((type(d).__name__,))
    return rows


# Rule 1: grant while seats are left, then wait in arrival order.
def test_grants_until_full_then_waitlists_in_arrival_order(desk):
    d = desk(capacity=2)
    assert outcome(d.request("a")) == [("granted", "a")]
    assert outcome(d.request("b")) == [("granted", "b")]
    assert outcome(d.request("c")) == [("waitlisted", "c", 1)]
    assert outcome(d.request("e")) == [("waitlisted", "e", 2)]


def test_unlimited_capacity_grants_everyone(desk):
    d = desk(capacity=None)
    assert all(outcome(d.request(f"r{i}"))[0][0] == "granted" for i in range(50))


def test_zero_capacity_waitlists_everyone(desk):
    d = desk(capacity=0)
    assert outcome(d.request("a")) == [("waitlisted", "a", 1)]


# Rule 3 at event level: a release frees the seat for the earliest waiter.
def test_release_promotes_the_earliest_waiter(desk):
    d = desk(capacity=1)
    for r in "abc":
        d.request(r)
    assert outcome(d.release("a")) == [("released", "a", "by_attendee"), ("promoted", "b")]
    assert d.state.registrations["b"].status is Status.HOLDING
    assert outcome(d.request("z")) == [("waitlisted", "z", 2)]


def test_releasing_a_waiter_takes_them_off_the_waitlist(desk):
    d = desk(capacity=1)
    for r in "abc":
        d.request(r)
    assert outcome(d.release("b")) == [("released", "b", "by_attendee")]
    assert outcome(d.request("z")) == [("waitlisted", "z", 2)]
    assert outcome(d.release("a"))[1] == ("promoted", "c")


def test_releasing_unknown_or_released_registration_decides_nothing(desk):
    d = desk(capacity=1)
    d.request("a")
    assert d.release("nobody") == []
    d.release("a")
    assert d.release("a") == []


# Rule 4 at event level: the organiser changes the capacity.
def test_raised_capacity_promotes_at_once_in_order(desk, layout):
    d = desk(capacity=1)
    for r in "abcd":
        d.request(r)
    decisions = d.define(layout(capacity=3))
    assert outcome(decisions) == [("EventDefined",), ("promoted", "b"), ("promoted", "c")]


def test_lowered_capacity_keeps_seats_and_new_signups_wait(desk, layout):
    d = desk(capacity=3)
    for r in "abc":
        d.request(r)
    assert outcome(d.define(layout(capacity=1))) == [("EventDefined",)]
    assert d.state.seats_taken() == 3
    assert outcome(d.request("e")) == [("waitlisted", "e", 1)]
    assert outcome(d.release("a")) == [("released", "a", "by_attendee")]  # 2 > 1: no room yet
    d.release("b")
    assert outcome(d.release("c"))[1] == ("promoted", "e")


def test_resent_definition_decides_nothing(desk, layout):
    d = desk(capacity=2)
    assert d.define(layout(capacity=2)) == []


# Rule 5: cancellation.
def test_cancel_releases_holders_and_waiters_in_arrival_order(desk):
    d = desk(capacity=1)
    for r in "abc":
        d.request(r)
    decisions = d.cancel()
    assert isinstance(decisions[0], EventCancelled)
    assert outcome(decisions[1:]) == [("released", r, EVENT_CANCELLED) for r in "abc"]
    assert d.cancel() == []


def test_requests_after_cancellation_are_refused_as_cancelled(desk, layout):
    d = desk(capacity=5)
    d.cancel()
    [refusal] = d.request("late")
    assert refusal.reason == "unknown_event" and "aflyst" in refusal.detail
    assert "cancelled" in refusal.detail
    assert d.define(layout(capacity=9)) == []  # cancellation is final


# Rule 6: unknown events and replayed requests.
def test_request_for_an_undefined_event_is_refused(desk):
    d = desk(defined=False)
    assert outcome(d.request("a")) == [("refused", "a", "unknown_event")]


def test_a_replayed_request_gets_no_second_decision(desk):
    d = desk(capacity=1)
    for r in ("a", "b"):
        d.request(r)
        assert d.request(r) == []
    d.request("x", {"nope": ["s"]})
    assert d.request("x") == []


def test_first_definition_is_recorded(desk, layout):
    d = desk(defined=False)
    assert d.define(layout(capacity=1)) == [EventDefined(layout(capacity=1))]
