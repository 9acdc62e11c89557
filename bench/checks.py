"""Correctness of a rush's result, independent of how it was decided: every request exactly one
outcome; no more confirmed than seats (event and sessions); fair order (nobody confirmed after
someone earlier was waitlisted, waitlist positions in arrival order, no later request gets a
session an earlier one wanted but missed); organisation quotas held and only then rejected."""

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.workload import Shape, Signup

DECIDED = ("confirmed", "waitlisted", "rejected")
QUOTA = "organisation_quota_reached"


@dataclass(frozen=True, slots=True)
class Outcome:
    request_id: str
    kind: str  # confirmed | waitlisted | rejected | any other fact is a violation here
    position: int | None = None
    sessions: Mapping[str, str | None] = field(default_factory=dict)
    reason: str | None = None


def organisation_key(attendee: Mapping[str, Any]) -> str:
    """The README's rule: by municipality code when given, else by name (case, spacing)."""
    if attendee.get("municipality_code"):
        return f"kommune:{attendee['municipality_code']}"
    name = unicodedata.normalize("NFC", str(attendee["organisation"])).casefold()
    return "navn:" + " ".join(name.split())


def violations(people: Sequence[Signup], outcomes: Sequence[Outcome], shape: Shape) -> list[str]:
    by_request: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_request[outcome.request_id].append(outcome)
    known = {p.request_id for p in people}
    found = [f"outcome for a request never sent: {r}" for r in by_request if r not in known]
    first: list[tuple[Signup, Outcome]] = []
    for person in sorted(people, key=lambda p: p.arrival):
        got = by_request.get(person.request_id, [])
        if len(got) != 1:
            found.append(f"{person.request_id}: {len(got)} outcomes {[o.kind for o in got]}")
        if got and got[0].kind not in DECIDED:
            found.append(f"{person.request_id}: unexpected outcome {got[0].kind}")
        elif got:  # a doubled request is judged by its first outcome, so one error stays one
            first.append((person, got[0]))
    return found + _in_arrival_order(first, shape)


def _in_arrival_order(decided: Sequence[tuple[Signup, Outcome]], shape: Shape) -> list[str]:
    found: list[str] = []
    confirmed = waitlisted = 0
    active: Counter[str] = Counter()
    taken: Counter[tuple[str, str]] = Counter()
    full_at: dict[tuple[str, str], int] = {}  # session → arrival of the first who missed it
    for person, outcome in decided:
        rid, org = person.request_id, organisation_key(person.attendee)
        if outcome.kind == "confirmed":
            if waitlisted:
                found.append(f"{rid}: confirmed after an earlier request was waitlisted")
            confirmed += 1
            active[org] += 1
            found += _sessions(person, outcome, taken, full_at)
        elif outcome.kind == "waitlisted":
            if confirmed < shape.capacity and not waitlisted:
                found.append(f"{rid}: waitlisted with {shape.capacity - confirmed} seats free")
            waitlisted += 1
            active[org] += 1
            if outcome.position != waitlisted:
                found.append(f"{rid}: waitlist position {outcome.position}, expected {waitlisted}")
        elif outcome.reason != QUOTA:
            found.append(f"{rid}: rejected {outcome.reason}")
        elif active[org] < shape.per_organisation_max:
            found.append(f"{rid}: quota rejection with {active[org]} active in {org}")
    if confirmed > shape.capacity:
        found.append(f"{confirmed} confirmed for {shape.capacity} seats")
    found += [
        f"session {r}/{s}: {n} seats taken of {shape.session_capacity}"
        for (r, s), n in taken.items()
        if n > shape.session_capacity
    ]
    found += [
        f"{org}: {n} active, max {shape.per_organisation_max}"
        for org, n in active.items()
        if n > shape.per_organisation_max
    ]
    return found


def _sessions(
    person: Signup,
    outcome: Outcome,
    taken: Counter[tuple[str, str]],
    full_at: dict[tuple[str, str], int],
) -> list[str]:
    found = [
        f"{person.request_id}: given {round_id}/{granted} in a round not chosen"
        for round_id, granted in outcome.sessions.items()
        if granted is not None and round_id not in person.choices
    ]
    for round_id, ranked in person.choices.items():
        granted = outcome.sessions.get(round_id)
        if granted is not None and granted not in ranked:
            found.append(f"{person.request_id}: given {round_id}/{granted}, not among choices")
            continue
        if granted is not None and (round_id, granted) in full_at:
            found.append(
                f"{person.request_id}: given {round_id}/{granted}, which request #"
                f"{full_at[(round_id, granted)]} (earlier) wanted but did not get"
            )
        if granted is not None:
            taken[(round_id, granted)] += 1
        missed = ranked if granted is None else ranked[: ranked.index(granted)]
        for session_id in missed:
            full_at.setdefault((round_id, session_id), person.arrival)
    return found
