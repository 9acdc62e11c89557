"""Rounds of parallel sessions with ranked choices: granting, waiting, cascades on release,
organiser changes to sessions, and refusal of choices that do not fit the event."""

import pytest

from capacity.domain import SeatGranted, SeatRefused, SeatReleased, SessionsChanged

ROUNDS = {"r1": {"s1": 1, "s2": 1, "s3": None}, "r2": {"t1": 1, "t2": 1}}


def granted(decisions) -> SeatGranted:
    [decision] = [d for d in decisions if isinstance(d, SeatGranted)]
    return decision


def changes(decisions) -> list[tuple[str, dict]]:
    return [
        (d.registration_id, dict(d.sessions)) for d in decisions if isinstance(d, SessionsChanged)
    ]


# Rule 2: per round the first choice with a free seat.
def test_first_free_choice_per_round(desk):
    d = desk(capacity=10, rounds=ROUNDS)
    first = granted(d.request("a", {"r1": ["s1", "s2"], "r2": ["t1"]}))
    assert first.sessions == {"r1": "s1", "r2": "t1"} and first.session_waitlists == {}
    second = granted(d.request("b", {"r1": ["s1", "s2"], "r2": ["t1", "t2"]}))
    assert second.sessions == {"r1": "s2", "r2": "t2"}
    assert second.session_waitlists == {"r1": ("s1",), "r2": ("t1",)}


def test_all_choices_full_keeps_event_seat_and_waits_on_them(desk):
    d = desk(capacity=10, rounds=ROUNDS)
    d.request("a", {"r1": ["s1"], "r2": ["t1"]})
    d.request("b", {"r1": ["s2"], "r2": ["t2"]})
    late = granted(d.request("c", {"r1": ["s2", "s1"], "r2": ["t1", "t2"]}))
    assert late.sessions == {"r1": None, "r2": None}
    assert late.session_waitlists == {"r1": ("s2", "s1"), "r2": ("t1", "t2")}


def test_unlimited_session_always_has_room(desk):
    d = desk(capacity=None, rounds=ROUNDS)
    for i in range(20):
        assert granted(d.request(f"p{i}", {"r1": ["s3"]})).sessions == {"r1": "s3"}


def test_empty_choices_are_fine(desk):
    d = desk(capacity=1, rounds=ROUNDS)
    assert granted(d.request("a", {})).sessions == {}


@pytest.mark.parametrize(
    "choices",
    [
        {"r9": ["s1"]},  # unknown round
        {"r1": ["s9"]},  # unknown session
        {"r1": ["t1"]},  # session of another round
        {"r1": ["s1", "s2", "s1"]},  # chosen twice
    ],
)
def test_choices_that_do_not_fit_are_refused(desk, choices):
    d = desk(capacity=1, rounds=ROUNDS)
    [refusal] = d.request("a", choices)
    assert isinstance(refusal, SeatRefused) and refusal.reason == "invalid_session"
    assert " / " in refusal.detail  # Danish / English
    assert granted(d.request("b", {"r1": ["s1"]})).sessions == {"r1": "s1"}  # no seat used


def test_waiter_holds_no_session_and_is_seated_by_the_choices_at_promotion(desk):
    d = desk(capacity=1, rounds=ROUNDS)
    d.request("a", {"r1": ["s2"]})
    d.request("w", {"r1": ["s1", "s2"]})
    assert d.state.session_seats_taken()[("r1", "s1")] == 0
    promoted = granted(d.release("a"))
    assert promoted.promoted and promoted.sessions == {"r1": "s1"}


# Rule 3: freed session seats go to the earliest holder waiting on them, with cascade.
def test_freed_session_goes_to_earliest_holder_before_the_promoted_waiter(desk):
    d = desk(capacity=2, rounds={"r1": {"s1": 1, "s2": 5}})
    d.request("a", {"r1": ["s1"]})
    d.request("b", {"r1": ["s1", "s2"]})  # holds s2, waits on s1
    d.request("w", {"r1": ["s1", "s2"]})  # waits for an event seat
    decisions = d.release("a")
    assert isinstance(decisions[0], SeatReleased)
    assert changes(decisions) == [("b", {"r1": "s1"})]
    assert granted(decisions).sessions == {"r1": "s2"}
    assert granted(decisions).session_waitlists == {"r1": ("s1",)}


def test_cascade_passes_each_freed_lower_choice_on(desk):
    d = desk(capacity=10, rounds={"r1": {"s1": 1, "s2": 1, "s3": 1, "s4": None}})
    d.request("a", {"r1": ["s1"]})
    d.request("b", {"r1": ["s1", "s2"]})  # s2
    d.request("c", {"r1": ["s2", "s3"]})  # s3
    d.request("e", {"r1": ["s3", "s4"]})  # s4
    decisions = d.release("a")
    assert changes(decisions) == [("b", {"r1": "s1"}), ("c", {"r1": "s2"}), ("e", {"r1": "s3"})]
    assert d.state.session_seats_taken() == {("r1", "s1"): 1, ("r1", "s2"): 1, ("r1", "s3"): 1}


def test_upgrade_keeps_waiting_only_on_better_choices(desk):
    d = desk(capacity=10, rounds={"r1": {"s1": 1, "s2": 1, "s3": 1}})
    d.request("a", {"r1": ["s1"]})
    d.request("b", {"r1": ["s2"]})
    d.request("c", {"r1": ["s1", "s2", "s3"]})  # s3, waits on s1 and s2
    assert changes(d.release("b")) == [("c", {"r1": "s2"})]
    assert changes(d.release("a")) == [("c", {"r1": "s1"})]


# Rule 4 for sessions: resized, added or removed by the organiser.
def test_resized_session_serves_its_waitlist(desk, layout):
    d = desk(capacity=10, rounds={"r1": {"s1": 1, "s2": None}})
    for r in "abc":
        d.request(r, {"r1": ["s1", "s2"]})
    decisions = d.define(layout(capacity=10, rounds={"r1": {"s1": 2, "s2": None}}))
    assert changes(decisions) == [("b", {"r1": "s1"})]


def test_shrunk_session_keeps_its_holders(desk, layout):
    d = desk(capacity=10, rounds={"r1": {"s1": 3}})
    for r in "abc":
        d.request(r, {"r1": ["s1"]})
    assert changes(d.define(layout(capacity=10, rounds={"r1": {"s1": 1}}))) == []
    assert d.state.session_seats_taken()[("r1", "s1")] == 3
    assert granted(d.request("e", {"r1": ["s1"]})).sessions == {"r1": None}


def test_added_session_is_open_to_new_requests(desk, layout):
    d = desk(capacity=10, rounds={"r1": {"s1": 1}})
    d.define(layout(capacity=10, rounds={"r1": {"s1": 1, "new": 1}}))
    assert granted(d.request("a", {"r1": ["new"]})).sessions == {"r1": "new"}


def test_removed_session_reseats_its_holders_once(desk, layout):
    d = desk(capacity=10, rounds={"r1": {"s1": 1, "s2": 1, "s3": 1}})
    d.request("a", {"r1": ["s1", "s3"]})
    d.request("b", {"r1": ["s2"]})
    decisions = d.define(layout(capacity=10, rounds={"r1": {"s2": 1, "s3": 1}}))
    assert changes(decisions) == [("a", {"r1": "s3"})]  # one message, not "none" then "s3"
    assert d.sessions_of("b") == {"r1": "s2"}


# A theme meeting held in two rounds (seed 001) has its own seats in each round.
def test_same_session_id_in_two_rounds_has_separate_seats(desk):
    d = desk(
        capacity=10,
        rounds={"runde-1": {"tema-1": 1, "tema-2": 5}, "runde-2": {"tema-1": 1, "tema-2": 5}},
    )
    first = granted(d.request("a", {"runde-1": ["tema-1"], "runde-2": ["tema-2"]}))
    assert first.sessions == {"runde-1": "tema-1", "runde-2": "tema-2"}
    second = granted(d.request("b", {"runde-1": ["tema-1", "tema-2"], "runde-2": ["tema-1"]}))
    assert second.sessions == {"runde-1": "tema-2", "runde-2": "tema-1"}
    assert second.session_waitlists == {"runde-1": ("tema-1",)}
    assert d.state.session_seats_taken() == {
        ("runde-1", "tema-1"): 1,
        ("runde-1", "tema-2"): 1,
        ("runde-2", "tema-2"): 1,
        ("runde-2", "tema-1"): 1,
    }
    # Releasing a frees runde-1/tema-1 only, and b moves up there in runde-1.
    assert changes(d.release("a")) == [("b", {"runde-1": "tema-1", "runde-2": "tema-1"})]
