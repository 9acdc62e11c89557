"""The benchmark's correctness checks catch what they claim to: a check that never fails would
let the rush report zero violations for a wrong result."""

from bench.checks import Outcome, violations
from bench.workload import Shape, Signup

SHAPE = Shape(
    capacity=2, rounds=1, sessions_per_round=2, session_capacity=1, per_organisation_max=2
)


def person(i: int, organisation: str = "Aarhus", choices: list[str] | None = None) -> Signup:
    attendee = {"name": f"P {i}", "email": f"p{i}@x.dk", "organisation": organisation}
    return Signup(i, f"r{i}", attendee, {"runde-1": choices or ["temamoede-1", "temamoede-2"]})


PEOPLE = [person(0, "A"), person(1, "B"), person(2, "A"), person(3, "A"), person(4, "C")]
RIGHT = [
    Outcome("r0", "confirmed", sessions={"runde-1": "temamoede-1"}),
    Outcome("r1", "confirmed", sessions={"runde-1": "temamoede-2"}),
    Outcome("r2", "waitlisted", position=1),
    Outcome("r3", "rejected", reason="organisation_quota_reached"),
    Outcome("r4", "waitlisted", position=2),
]


def with_(index: int, outcome: Outcome) -> list[Outcome]:
    return [outcome if i == index else o for i, o in enumerate(RIGHT)]


def test_a_right_result_has_no_violation() -> None:
    assert violations(PEOPLE, RIGHT, SHAPE) == []


def test_missing_doubled_and_foreign_outcomes() -> None:
    assert len(violations(PEOPLE, RIGHT[:-1], SHAPE)) == 1
    assert len(violations(PEOPLE, [*RIGHT, RIGHT[0]], SHAPE)) == 1
    assert len(violations(PEOPLE, [*RIGHT, Outcome("other", "confirmed")], SHAPE)) == 1


def test_overbooking_of_event_and_session() -> None:
    overbooked = with_(4, Outcome("r4", "confirmed", sessions={"runde-1": "temamoede-2"}))
    found = violations(PEOPLE, overbooked, SHAPE)
    assert any("3 confirmed for 2 seats" in v for v in found)
    assert any("session runde-1/temamoede-2: 2 seats taken of 1" in v for v in found)


def test_waitlist_out_of_arrival_order() -> None:
    swapped = with_(2, Outcome("r2", "waitlisted", position=2))
    swapped = [*swapped[:4], Outcome("r4", "waitlisted", position=1)]
    assert len(violations(PEOPLE, swapped, SHAPE)) == 2


def test_a_later_request_gets_a_session_an_earlier_one_missed() -> None:
    unfair = with_(0, Outcome("r0", "confirmed", sessions={"runde-1": "temamoede-2"}))
    unfair = [unfair[0], Outcome("r1", "confirmed", sessions={"runde-1": "temamoede-1"})]
    assert any("(earlier) wanted" in v for v in violations(PEOPLE[:2], unfair, SHAPE))


def test_quota_broken_or_rejected_without_reason() -> None:
    over_quota = with_(3, Outcome("r3", "waitlisted", position=2))
    over_quota[4] = Outcome("r4", "waitlisted", position=3)
    assert any("navn:a: 3 active, max 2" in v for v in violations(PEOPLE, over_quota, SHAPE))
    early = with_(2, Outcome("r2", "rejected", reason="organisation_quota_reached"))
    early[4] = Outcome("r4", "waitlisted", position=1)
    assert any("quota rejection with 1 active" in v for v in violations(PEOPLE, early, SHAPE))
