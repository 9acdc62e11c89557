"""The self-service pages' pure core: which form a link offers, what a confirm publishes, and
the words a page shows."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from registration.domain import statuses
from registration.domain.page_texts import ERRORS, reason_line, status_line
from registration.domain.page_view import language_of, page_view
from registration.domain.self_service import (
    Choice,
    RegistrationState,
    SignupsInput,
    choose,
    decide_request,
    request_id,
)
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.signups import v1 as signups

NOW = datetime(2023, 9, 1, 12, tzinfo=UTC)
CONFIRMED = RegistrationState(
    registration_id="reg-1",
    event_id="konf",
    status=statuses.CONFIRMED,
    position=None,
    offer_expires_at=None,
    reason=None,
    sessions={"runde-1": "temamoede-2", "runde-2": None},
    session_waitlists={"runde-2": ["temamoede-3"]},
)
OFFERED = replace(
    CONFIRMED, status=statuses.OFFERED, offer_expires_at=datetime(2023, 9, 3, 10, tzinfo=UTC)
)
DEFINITION = EventDefinition.model_validate(
    {
        "id": "konf",
        "kind": "conference",
        "title": "Konference om dagtilbud af høj kvalitet",
        "organiser": "Styrelsen for Undervisning og Kvalitet",
        "venue": {"name": "Odeon", "address": "Odeons Kvarter 1, 5000 Odense C"},
        "starts_at": "2023-10-03T09:00:00+02:00",
        "ends_at": "2023-10-03T15:30:00+02:00",
        "rounds": [
            {
                "id": "runde-1",
                "starts_at": "2023-10-03T11:15:00+02:00",
                "ends_at": "2023-10-03T12:15:00+02:00",
                "sessions": [
                    {"id": "temamoede-1", "title": "Leg og læring"},
                    {"id": "temamoede-2", "title": "Sprogarbejde i vuggestuen"},
                ],
            },
            {
                "id": "runde-2",
                "title": "Eftermiddag",
                "starts_at": "2023-10-03T13:00:00+02:00",
                "ends_at": "2023-10-03T14:00:00+02:00",
                "sessions": [{"id": "temamoede-3", "title": "Inklusion i praksis"}],
            },
        ],
    }
)


@pytest.mark.parametrize("status", statuses.ACTIVE)
def test_an_active_registration_may_be_cancelled(status: str) -> None:
    assert choose("cancel", replace(CONFIRMED, status=status), NOW) == Choice("cancel")


@pytest.mark.parametrize("status", [statuses.CANCELLED, statuses.REJECTED])
def test_an_ended_registration_shows_why_it_cannot_be_cancelled(status: str) -> None:
    state = replace(CONFIRMED, status=status)
    assert choose("cancel", state, NOW) == Choice(None, "not_active")
    assert decide_request("cancel", "token", state, NOW) == "not_active"


def test_an_offer_is_answered_only_while_it_is_open() -> None:
    assert choose("accept", OFFERED, NOW) == Choice("accept")
    assert choose("decline", OFFERED, NOW) == Choice("decline")
    after = OFFERED.offer_expires_at + timedelta(seconds=1)  # type: ignore[operator]
    assert choose("accept", OFFERED, after) == Choice(None, "no_open_offer")
    assert choose("accept", CONFIRMED, NOW) == Choice(None, "no_open_offer")


def test_a_view_link_shows_and_never_publishes() -> None:
    assert choose("view", CONFIRMED, NOW) == Choice(None)
    assert decide_request("view", "token", CONFIRMED, NOW) == "view_only"


def test_a_confirmed_cancel_is_the_contract_input_with_a_stable_id() -> None:
    decided = decide_request("cancel", "tok", CONFIRMED, NOW)
    assert decided == SignupsInput(
        "cancel",
        signups.CANCELLATION_REQUESTED,
        request_id("tok", "cancel"),
        {"event_id": "konf", "registration_id": "reg-1"},
    )
    assert decide_request("cancel", "tok", CONFIRMED, NOW) == decided  # double click: same id
    assert request_id("other-token", "cancel") != request_id("tok", "cancel")
    accepted = decide_request("accept", "tok", OFFERED, NOW)
    declined = decide_request("decline", "tok", OFFERED, NOW)
    assert isinstance(accepted, SignupsInput) and accepted.type == signups.OFFER_ACCEPTED
    assert isinstance(declined, SignupsInput) and declined.type == signups.OFFER_DECLINED


def test_status_lines_in_danish_and_english() -> None:
    waitlisted = replace(CONFIRMED, status=statuses.WAITLISTED, position=3)
    assert status_line(CONFIRMED, "da") == "bekræftet"
    assert status_line(waitlisted, "da") == "på venteliste (nr. 3)"
    assert status_line(waitlisted, "en") == "on the waiting list (no. 3)"
    assert (
        status_line(OFFERED, "da") == "tilbud om plads til søndag den 3. september 2023 kl. 12.00"
    )
    cancelled = replace(CONFIRMED, status=statuses.CANCELLED, reason="offer_declined")
    assert status_line(cancelled, "da") == "afmeldt"
    assert reason_line(cancelled, "da") == "Du takkede nej til tilbuddet om en plads."
    assert status_line(replace(CONFIRMED, status=statuses.REJECTED), "da") == "afvist"


def test_the_page_shows_the_seat_held_in_each_round() -> None:
    view = page_view(DEFINITION, CONFIRMED, "Mette Hansen", "da", Choice("cancel"))
    assert view.when == "tirsdag den 3. oktober 2023 kl. 09.00–15.30"
    assert view.venue == "Odeon, Odeons Kvarter 1, 5000 Odense C"
    assert [(line.label, line.value) for line in view.sessions] == [
        ("Runde 1, kl. 11.15–12.15", "Sprogarbejde i vuggestuen"),
        (
            "Eftermiddag, kl. 13.00–14.00",
            "ingen plads endnu – på venteliste til: Inklusion i praksis",
        ),
    ]
    assert view.form == "cancel" and view.notice is None
    waiting = page_view(
        DEFINITION, replace(CONFIRMED, status=statuses.WAITLISTED), "M", "da", Choice(None)
    )
    assert waiting.sessions == ()  # nothing is decided before a seat is held


def test_an_offer_page_names_its_deadline_and_a_notice_replaces_a_form() -> None:
    view = page_view(DEFINITION, OFFERED, "Mette Hansen", "da", Choice("accept"))
    assert view.form_text == "Pladsen er holdt til dig til søndag den 3. september 2023 kl. 12.00."
    gone = page_view(DEFINITION, CONFIRMED, "Mette Hansen", "en", Choice(None, "no_open_offer"))
    assert gone.form is None
    assert gone.notice == "There is no longer an open offer of a seat for this registration."


def test_language_is_the_attendees_else_the_events() -> None:
    assert language_of("en", DEFINITION) == "en"
    assert language_of(None, DEFINITION) == "da"


def test_error_pages_carry_the_status_an_attendee_agent_expects() -> None:
    assert {kind: page.status_code for kind, page in ERRORS.items()} == {
        "tampered": 400,
        "malformed": 400,
        "expired": 410,
        "unknown": 404,
        "view_only": 403,
        "unavailable": 503,
    }
