from datetime import UTC, datetime, timedelta

import pytest

from registration.domain.ids import registration_id
from registration.domain.signup_rules import (
    Holdings,
    KnownEvent,
    choices_problem,
    decide_signup,
    organisation_key,
)
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.signups.v1 import Attendee, SignupRequested

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
NOBODY = Holdings(registration_id_for_email=None, active_in_organisation=0)


def _event(**changes: object) -> KnownEvent:
    definition = {
        "id": "konf",
        "kind": "conference",
        "title": "Konference",
        "organiser": "KL",
        "starts_at": "2026-05-29T09:00:00+02:00",
        "ends_at": "2026-05-29T16:00:00+02:00",
        "per_organisation": {"max": 2},
        "rounds": [
            {
                "id": "runde-1",
                "starts_at": "2026-05-29T11:00:00+02:00",
                "ends_at": "2026-05-29T12:00:00+02:00",
                "sessions": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}],
            }
        ],
    } | changes
    return KnownEvent(EventDefinition.model_validate(definition), cancelled=False)


def _request(choices: dict[str, list[str]] | None = None) -> SignupRequested:
    return SignupRequested(
        event_id="konf",
        choices=choices or {},
        attendee=Attendee(
            name="Mette Hansen",
            email="mette@aarhus.dk",
            organisation="Aarhus Kommune",
            municipality_code="751",
        ),
    )


def test_a_valid_request_is_accepted() -> None:
    assert decide_signup(_event(), _request({"runde-1": ["b", "a"]}), NOBODY, NOW) is None


def test_unknown_and_cancelled_events_are_rejected() -> None:
    assert decide_signup(None, _request(), NOBODY, NOW).reason == "unknown_event"  # type: ignore[union-attr]
    cancelled = KnownEvent(_event().definition, cancelled=True)
    assert decide_signup(cancelled, _request(), NOBODY, NOW).reason == "unknown_event"  # type: ignore[union-attr]


def test_registration_window_is_enforced() -> None:
    window = {
        "opens_at": (NOW + timedelta(days=1)).isoformat(),
        "closes_at": (NOW + timedelta(days=2)).isoformat(),
    }
    early = decide_signup(_event(registration=window), _request(), NOBODY, NOW)
    late = decide_signup(_event(registration=window), _request(), NOBODY, NOW + timedelta(days=3))
    assert early is not None and early.reason == "registration_not_open"
    assert late is not None and late.reason == "registration_closed"


def test_an_email_already_holding_a_registration_is_rejected_with_its_id() -> None:
    rejection = decide_signup(_event(), _request(), Holdings("reg-1", 0), NOW)
    assert rejection is not None and rejection.reason == "already_registered"
    assert rejection.detail == "reg-1"


def test_organisation_quota() -> None:
    assert decide_signup(_event(), _request(), Holdings(None, 1), NOW) is None
    rejection = decide_signup(_event(), _request(), Holdings(None, 2), NOW)
    assert rejection is not None and rejection.reason == "organisation_quota_reached"


@pytest.mark.parametrize(
    "choices",
    [{"runde-9": ["a"]}, {"runde-1": ["zz"]}, {"runde-1": ["a", "a"]}],
)
def test_invalid_choices_are_rejected(choices: dict[str, list[str]]) -> None:
    rejection = decide_signup(_event(), _request(choices), NOBODY, NOW)
    assert rejection is not None and rejection.reason == "invalid_session"
    assert choices_problem(_event().sessions_by_round, choices)


def test_organisations_match_by_code_else_by_normalised_name() -> None:
    with_code = Attendee(name="x", email="x@y.dk", organisation="Whatever", municipality_code="751")
    assert organisation_key(with_code) == "kommune:751"
    a = Attendee(name="x", email="x@y.dk", organisation="  Børnehuset   Rismøllen ")
    b = Attendee(name="x", email="x@y.dk", organisation="BØRNEHUSET rismøllen")
    assert organisation_key(a) == organisation_key(b)


def test_registration_ids_are_stable_per_request() -> None:
    assert registration_id("urn:kl:website", "1") == registration_id("urn:kl:website", "1")
    assert registration_id("urn:kl:website", "1") != registration_id("urn:crm", "1")


def test_a_known_event_lists_each_rounds_sessions_once() -> None:
    two_rounds = _event(
        rounds=[
            {
                "id": f"runde-{n}",
                "starts_at": f"2026-05-29T1{n}:00:00+02:00",
                "ends_at": f"2026-05-29T1{n}:45:00+02:00",
                "sessions": [{"id": f"{n}a", "title": "A"}, {"id": f"{n}b", "title": "B"}],
            }
            for n in (1, 2)
        ]
    )
    assert two_rounds.sessions_by_round == {
        "runde-1": frozenset({"1a", "1b"}),
        "runde-2": frozenset({"2a", "2b"}),
    }
    # A session is known in its own round only.
    assert choices_problem(two_rounds.sessions_by_round, {"runde-1": ["2a"]}) == (
        "round 'runde-1' has no session '2a'"
    )
    assert decide_signup(two_rounds, _request({"runde-2": ["2b", "2a"]}), NOBODY, NOW) is None
