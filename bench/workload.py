"""The rush's input: one fresh conference and N deterministic sign-ups (seeded), the same for
Tilmeld and both baselines."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.names import (
    FIRST_NAMES,
    INSTITUTION_KINDS,
    INSTITUTION_NAMES,
    JOB_TITLES,
    LAST_NAMES,
    ascii_mail_part,
)
from tilmeld_contracts.municipalities import municipalities

SOURCE = "urn:kl:website"
# Some theme meetings draw more people than others; first choices follow these weights.
SESSION_POPULARITY = (5.0, 3.0, 2.0, 1.5, 1.0)


@dataclass(frozen=True, slots=True)
class Shape:
    """The conference of issue 6: 550 seats, two rounds of five sessions of 60, max 5 per
    organisation. Smaller shapes keep the tiny test's waitlists busy."""

    capacity: int = 550
    rounds: int = 2
    sessions_per_round: int = 5
    session_capacity: int = 60
    per_organisation_max: int = 5

    def round_ids(self) -> list[str]:
        return [f"runde-{r}" for r in range(1, self.rounds + 1)]

    def session_ids(self) -> list[str]:
        return [f"temamoede-{s}" for s in range(1, self.sessions_per_round + 1)]


@dataclass(frozen=True, slots=True)
class Signup:
    arrival: int  # the order it is produced in: all share one key, so one ordered stream
    request_id: str
    attendee: dict[str, Any]
    choices: dict[str, list[str]]


def conference(event_id: str, shape: Shape, now: datetime) -> dict[str, Any]:
    day = now.astimezone(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    day += timedelta(days=60)
    rounds = [
        {
            "id": round_id,
            "starts_at": (day + timedelta(hours=2 + 2 * r)).isoformat(),
            "ends_at": (day + timedelta(hours=3 + 2 * r)).isoformat(),
            "sessions": [
                {"id": s, "title": f"Temamøde {i + 1}", "capacity": shape.session_capacity}
                for i, s in enumerate(shape.session_ids())
            ],
        }
        for r, round_id in enumerate(shape.round_ids())
    ]
    return {
        "id": event_id,
        "kind": "conference",
        "title": f"Konference om dagtilbud af høj kvalitet ({event_id})",
        "organiser": "Styrelsen for Undervisning og Kvalitet",
        "language": "da",
        "venue": {"name": "Odeon", "address": "Odeons Kvarter 1, 5000 Odense C"},
        "starts_at": day.isoformat(),
        "ends_at": (day + timedelta(hours=8)).isoformat(),
        "capacity": shape.capacity,
        "registration": {"opens_at": (now - timedelta(hours=1)).isoformat()},
        "per_organisation": {"max": shape.per_organisation_max},
        "rounds": rounds,
    }


def signups(n: int, *, seed: int, tag: str, shape: Shape, municipal_share: float) -> list[Signup]:
    """`tag` makes request ids and mail addresses unique to this run (mail is matched by
    address); everything else follows from `seed`."""
    rng = random.Random(seed)
    towns = sorted(municipalities().values(), key=lambda m: m.code)
    institutions = _institutions(rng, max(1, round(n * (1 - municipal_share) / 3)))
    people = []
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if rng.random() < municipal_share:
            town = rng.choice(towns)
            organisation, code, domain = f"{town.name} Kommune", town.code, town.name
        else:
            (organisation, domain), code = rng.choice(institutions), None
        attendee: dict[str, Any] = {
            "name": f"{first} {last}",
            "email": f"{ascii_mail_part(first)}.{ascii_mail_part(last)}.{tag}{i}"
            f"@{ascii_mail_part(domain)}.dk",
            "organisation": organisation,
            "job_title": rng.choice(JOB_TITLES),
        }
        if code is not None:
            attendee["municipality_code"] = code
        if rng.random() < 0.05:
            attendee["language"] = "en"
        people.append(Signup(i, f"{tag}-{i:06d}", attendee, _choices(rng, shape)))
    return people


def _institutions(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """(organisation, mail domain) of self-governing and private institutions."""
    towns = sorted(m.name for m in municipalities().values())
    found: dict[str, str] = {}
    for _ in range(count * 3):
        kind, name, town = (rng.choice(x) for x in (INSTITUTION_KINDS, INSTITUTION_NAMES, towns))
        found.setdefault(f"{kind} {name}, {town}", f"{name}-{town}")
        if len(found) == count:
            break
    return list(found.items())


def _choices(rng: random.Random, shape: Shape) -> dict[str, list[str]]:
    sessions = shape.session_ids()
    weights = [SESSION_POPULARITY[i % len(SESSION_POPULARITY)] for i in range(len(sessions))]
    choices: dict[str, list[str]] = {}
    for round_id in shape.round_ids():
        if rng.random() < 0.1:
            continue  # comes for the plenary only in this round
        wanted = rng.choice((1, 2, 2, 3))
        pool, pool_weights, ranked = list(sessions), list(weights), []
        for _ in range(min(wanted, len(pool))):
            pick = rng.choices(range(len(pool)), weights=pool_weights)[0]
            ranked.append(pool.pop(pick))
            pool_weights.pop(pick)
        choices[round_id] = ranked
    return choices
