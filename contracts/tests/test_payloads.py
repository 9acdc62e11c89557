from datetime import datetime

import pytest
from pydantic import ValidationError

from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.common import CHECKED_UPSTREAM
from tilmeld_contracts.municipalities import municipalities
from tilmeld_contracts.signups.v1 import Attendee, CancellationRequested


def test_all_98_municipalities_are_known() -> None:
    assert len(municipalities()) == 98
    assert municipalities()["751"].name == "Aarhus"


@pytest.mark.parametrize("code", ["999", "75", "abc", "0751"])
def test_unofficial_municipality_codes_are_refused(code: str) -> None:
    with pytest.raises(ValidationError, match="municipality"):
        Attendee(name="A", email="a@b.dk", organisation="O", municipality_code=code)


@pytest.mark.parametrize("email", ["", "no-at-sign", "a@", "a b@c.dk"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(ValidationError):
        Attendee(name="A", email=email, organisation="O")


def test_cancellation_needs_a_registration_id_or_an_email() -> None:
    with pytest.raises(ValidationError, match="registration_id or email"):
        CancellationRequested(event_id="e")


def _conference(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "konf",
        "kind": "conference",
        "title": "Konference",
        "organiser": "KL",
        "starts_at": "2026-05-29T09:00:00+02:00",
        "ends_at": "2026-05-29T16:00:00+02:00",
        "rounds": [
            {
                "id": "runde-1",
                "starts_at": "2026-05-29T11:00:00+02:00",
                "ends_at": "2026-05-29T12:00:00+02:00",
                "sessions": [{"id": "s-1", "title": "Et", "capacity": 2}],
            }
        ],
    }
    return base | changes


def test_a_session_may_run_in_several_rounds_under_one_id() -> None:
    round_1 = _conference()["rounds"][0]  # type: ignore[index]
    round_2 = round_1 | {"id": "runde-2"}
    event = EventDefinition.model_validate(_conference(rounds=[round_1, round_2]))
    assert set(event.sessions_by_round()) == {"runde-1", "runde-2"}
    assert event.language == "da" and event.waitlist.promotion == "auto"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"id": "Not A Slug"}, "pattern"),
        ({"ends_at": "2026-05-29T08:00:00+02:00"}, "ends_at must be after"),
        ({"starts_at": "2026-05-29T09:00:00"}, "timezone"),
        ({"per_organisation": {"min": 6, "max": 5}}, "min must not exceed"),
        ({"kind": "network"}, "at least one meeting"),
        ({"capacity": -1}, "greater than or equal"),
    ],
)
def test_inconsistent_definitions_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        EventDefinition.model_validate(_conference(**changes))


def test_online_meeting_needs_a_url() -> None:
    meeting = {
        "id": "m1",
        "starts_at": datetime(2026, 1, 1, 9).isoformat() + "+01:00",
        "ends_at": datetime(2026, 1, 1, 12).isoformat() + "+01:00",
        "mode": "online",
    }
    with pytest.raises(ValidationError, match="online_url"):
        EventDefinition.model_validate(_conference(kind="network", rounds=[], meetings=[meeting]))


def _attendee(email: str, context: dict[str, object] | None = None) -> Attendee:
    return Attendee.model_validate(
        {"name": "Mette", "email": email, "organisation": "Aarhus"}, context=context
    )


def test_an_address_checked_upstream_is_only_checked_for_its_shape() -> None:
    # email-validator refuses two dots in a row; data Tilmeld produced from a sign-up it
    # validated is not checked that thoroughly a second time.
    with pytest.raises(ValidationError):
        _attendee("mette..hansen@aarhus.dk")
    assert _attendee("mette..hansen@aarhus.dk", CHECKED_UPSTREAM).email == "mette..hansen@aarhus.dk"
    assert _attendee("mette@aarhus.dk", CHECKED_UPSTREAM).email == "mette@aarhus.dk"


@pytest.mark.parametrize(
    "email", ["mette hansen@aarhus.dk", "mette@aarhus.dk\r\nBcc: x@y.dk", "a@b@c.dk", "mette", ""]
)
def test_a_misshapen_address_is_refused_even_when_checked_upstream(email: str) -> None:
    with pytest.raises(ValidationError):
        _attendee(email, CHECKED_UPSTREAM)
