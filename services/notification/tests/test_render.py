"""Every mail in both languages: subject, plain-text and HTML parts, dates, reasons, meetings."""

import re
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast
from uuid import uuid4

import pytest

from notification.adapters.message import build_message, message_id_for
from notification.adapters.rendering import RenderedMail, TemplateRenderer
from notification.adapters.smtp import flatten
from notification.domain.compose import compose
from notification.domain.kinds import MailKind
from notification.domain.reasons import CANCELLATION_TEXTS, REJECTION_TEXTS
from notification.domain.recipient import recipient_of
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.registration.v1 import CancellationReason, RejectionReason

TITLE = "Konference om dagtilbud af høj kvalitet"
SUBJECTS = {
    ("confirmed", "da"): f"Bekræftelse af tilmelding: {TITLE}",
    ("confirmed", "en"): f"Registration confirmed: {TITLE}",
    ("waitlisted", "da"): f"Du er på venteliste: {TITLE}",
    ("waitlisted", "en"): f"You are on the waiting list: {TITLE}",
    ("promoted", "da"): f"Du har fået en plads: {TITLE}",
    ("promoted", "en"): f"You have been given a seat: {TITLE}",
    ("offered", "da"): f"Tilbud om plads: {TITLE}",
    ("offered", "en"): f"A seat is offered to you: {TITLE}",
    ("session_changed", "da"): f"Ændring i dine temamøder: {TITLE}",
    ("session_changed", "en"): f"Your sessions have changed: {TITLE}",
    ("cancelled", "da"): f"Din tilmelding er annulleret: {TITLE}",
    ("cancelled", "en"): f"Your registration is cancelled: {TITLE}",
    ("rejected", "da"): f"Tilmelding ikke mulig: {TITLE}",
    ("rejected", "en"): f"Registration not possible: {TITLE}",
}
# What each body must say beyond greeting and title, per language.
BODY = {
    "confirmed": {
        "da": [
            "Tid: tirsdag den 3. oktober 2023 kl. 09.00–15.30",
            "Sted: Odeon, Odeons Kvarter 1, 5000 Odense C",
            "Runde 1: Tidligt samarbejde med forældre på deres arena (kl. 11.15–12.15)",
            "Runde 2: Sprogarbejde i vuggestuen, Inklusion i praksis",
        ],
        "en": [
            "When: Tuesday 3 October 2023 at 09:00–15:30",
            "Round 1: Tidligt samarbejde med forældre på deres arena (11:15–12:15)",
            "You are on the waiting list for",
        ],
    },
    "promoted": {
        "da": ["Runde 1: Leg og læring", "Runde 2: Inklusion i praksis"],
        "en": ["Round 1: Leg og læring", "Round 2: Inklusion i praksis"],
    },
    "waitlisted": {"da": ["Du er nummer 7 på ventelisten"], "en": ["You are number 7"]},
    "offered": {
        "da": ["senest onsdag den 20. september 2023 kl. 12.00"],
        "en": ["by Wednesday 20 September 2023 at 12:00"],
    },
    "session_changed": {
        "da": ["Runde 2: Sprogarbejde i vuggestuen (kl. 13.00–14.00)"],
        "en": ["Round 2: Sprogarbejde i vuggestuen (13:00–14:00)"],
    },
    "cancelled": {
        "da": ["Arrangøren har annulleret din tilmelding."],
        "en": ["The organiser has cancelled your registration."],
    },
    "rejected": {
        "da": [
            "Tilmeldingen til arrangementet er lukket.",
            "Detaljer: closes_at was 2023-09-26T23:59",
        ],
        "en": ["Registration for the event has closed.", "Details: closes_at was 2023-09-26T23:59"],
    },
}


def render(
    kind: str, fact: Any, event: EventDefinition | None, note: str | None = None
) -> RenderedMail:
    recipient = recipient_of(fact.attendee)
    assert recipient is not None
    return TemplateRenderer().render(compose(kind, fact, recipient, event, note))  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", list(BODY))
def test_every_mail_in_both_languages(
    kind: MailKind, language: str, conference: Any, fact: Any
) -> None:
    event = conference(language=language)
    mail = render(kind, fact(kind, event.id), event)

    assert mail.subject == SUBJECTS[(kind, language)]
    assert mail.language == language
    greeting = "Kære Mette Hansen" if language == "da" else "Dear Mette Hansen,"
    html_as_text = " ".join(re.sub(r"<[^>]+>", " ", mail.html.replace("<br>", ", ")).split())
    for part in (mail.text, html_as_text):
        assert greeting in part
        assert TITLE in part
    for expected in BODY[kind][language]:
        assert expected in mail.text
        # In HTML the labels ("Tid", "Sted") are table headers; the values must be there.
        assert expected.split(": ", 1)[-1].replace(" ,", ",") in html_as_text.replace(" ,", ",")
    assert mail.html.startswith("<!DOCTYPE html>") and f'<html lang="{language}">' in mail.html
    assert "{{" not in mail.text + mail.html and "\n\n\n" not in mail.text


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("reason", list(REJECTION_TEXTS["da"]))
def test_every_rejection_reason_is_explained(
    reason: RejectionReason, language: str, conference: Any, fact: Any
) -> None:
    event = conference(language=language)
    mail = render("rejected", fact("rejected", event.id, reason=reason, detail="x: y"), event)
    assert REJECTION_TEXTS[language][reason] in mail.text  # type: ignore[index]
    assert REJECTION_TEXTS[language][reason] in mail.html  # type: ignore[index]
    assert ("Detaljer: x: y" if language == "da" else "Details: x: y") in mail.text


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("reason", list(CANCELLATION_TEXTS["da"]))
def test_every_cancellation_reason_is_explained(
    reason: CancellationReason, language: str, conference: Any, fact: Any
) -> None:
    event = conference(language=language)
    cancelled = fact("cancelled", event.id, reason=reason)
    mail = render("cancelled", cancelled, event, "For få tilmeldte")
    text = CANCELLATION_TEXTS[language][reason]  # type: ignore[index]
    assert text in mail.text and text in mail.html
    assert ("For få tilmeldte" in mail.text) == (reason == "event_cancelled")


def test_unknown_event_rejection_uses_the_event_id_as_title(fact: Any) -> None:
    rejected = fact("rejected", "findes-ikke-2023", reason="unknown_event", detail="no such event")
    mail = render("rejected", rejected, None)
    assert mail.subject == "Tilmelding ikke mulig: findes-ikke-2023"
    assert "Vi kender ikke det arrangement, du forsøgte at tilmelde dig." in mail.text
    assert "Tid:" not in mail.text


def test_rejection_of_an_unreadable_request_greets_generically(conference: Any, fact: Any) -> None:
    event = conference()
    rejected = fact(
        "rejected",
        event.id,
        reason="invalid_request",
        detail="attendee.name: missing",
        attendee={"email": "someone@kommune.dk", "language": "en"},
    )
    mail = render("rejected", rejected, event)
    assert mail.text.startswith("Dear participant,")
    assert mail.subject.startswith("Registration not possible: ")


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "da",
            [
                "onsdag den 10. januar 2024 kl. 09.00–15.00, fysisk: KL-huset, Weidekampsgade 10",
                "tirsdag den 14. maj 2024 kl. 10.00–12.00 – Opfølgning, online (Teams): "
                "https://teams.microsoft.com/l/meetup-join/abc",
            ],
        ),
        (
            "en",
            [
                "Wednesday 10 January 2024 at 09:00–15:00, in person: KL-huset",
                "Tuesday 14 May 2024 at 10:00–12:00 – Opfølgning, online (Teams): https://teams",
            ],
        ),
    ],
)
def test_network_mails_list_every_meeting(
    language: str, lines: list[str], network: Any, fact: Any
) -> None:
    event = network(language=language)
    mail = render(
        "confirmed", fact("confirmed", event.id, sessions={}, session_waitlists={}), event
    )
    for line in lines:
        assert line in mail.text
    assert '<a href="https://teams.microsoft.com/l/meetup-join/abc">' in mail.html
    assert "Runde" not in mail.text and "Round" not in mail.text


def test_attendee_language_wins_over_the_event_language(conference: Any, fact: Any) -> None:
    event = conference(language="da")
    english = fact(
        "confirmed",
        event.id,
        attendee={
            "name": "Jane Doe",
            "email": "jane@example.org",
            "organisation": "X",
            "language": "en",
        },
    )
    assert render("confirmed", english, event).subject.startswith("Registration confirmed:")
    assert render(
        "confirmed", fact("confirmed", event.id), conference(language="en")
    ).subject.startswith("Registration confirmed:")


def test_names_and_titles_are_escaped_in_html_only(conference: Any, fact: Any) -> None:
    event = conference(title="Børn & <unge>")
    sneaky = fact(
        "confirmed",
        event.id,
        attendee={
            "name": "<b>Mette</b>",
            "email": "mette@aarhus.dk",
            "organisation": "Aarhus Kommune",
        },
    )
    mail = render("confirmed", sneaky, event)
    assert "&lt;b&gt;Mette&lt;/b&gt;" in mail.html and "Børn &amp; &lt;unge&gt;" in mail.html
    assert "Kære <b>Mette</b>" in mail.text and "Børn & <unge>" in mail.text


def test_the_message_has_text_and_html_alternatives_and_a_deterministic_id(
    conference: Any, fact: Any
) -> None:
    event, job_id = conference(), uuid4()
    mail = render("waitlisted", fact("waitlisted", event.id), event)
    built = build_message(
        mail,
        sender="Tilmeld <tilmeld@tilmeld.local>",
        to_address="mette@aarhus.dk",
        to_name="Mette\nHansen",
        message_id=message_id_for(job_id),
        date=datetime(2023, 9, 1, 10, 0, tzinfo=UTC),
    )
    # Read back as a mail client would, from the bytes that are sent.
    message = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(flatten(built)))
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Message-ID"] == f"<{job_id}@tilmeld>"
    assert message["Subject"] == f"Du er på venteliste: {TITLE}"
    assert message["To"] == "Mette Hansen <mette@aarhus.dk>"
    assert message["Content-Language"] == "da"
    assert "Du er nummer 7" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_a_session_that_runs_in_several_rounds_is_named_per_round(
    conference: Any, fact: Any
) -> None:
    rounds = [
        {
            "id": f"runde-{n}",
            "starts_at": f"2023-10-03T{h}:00:00+02:00",
            "ends_at": f"2023-10-03T{h}:45:00+02:00",
            "sessions": [{"id": "temamoede-1", "title": f"Forældresamarbejde ({label})"}],
        }
        for n, h, label in ((1, 11, "formiddag"), (2, 13, "eftermiddag"))
    ]
    event = conference(rounds=rounds)
    twice = fact(
        "confirmed",
        event.id,
        sessions={"runde-2": "temamoede-1"},
        session_waitlists={"runde-1": ["temamoede-1"]},
    )
    mail = render("confirmed", twice, event)
    assert "Runde 2: Forældresamarbejde (eftermiddag) (kl. 13.00–13.45)" in mail.text
    assert "Runde 1: Forældresamarbejde (formiddag)" in mail.text
