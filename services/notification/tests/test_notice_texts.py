"""The mails the service writes on its own account, as text: change lines, a broadcast kept as
the organiser wrote it (and escaped in HTML), a network meeting's reminder."""

from typing import Any

import pytest

from notification.adapters.rendering import TemplateRenderer
from notification.domain.audience import Attendance
from notification.domain.changes import changes_between
from notification.domain.notices import compose_change, compose_message, compose_reminder

METTE = {"name": "Mette Hansen", "email": "mette@aarhus.dk", "organisation": "Aarhus Kommune"}


def seat(event: Any, language: str = "da", **sessions: str) -> Attendance:
    return Attendance(
        "reg-1",
        event.id,
        "confirmed",
        {**METTE, "language": language},
        {k.replace("_", "-"): v for k, v in sessions.items()},
    )


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "da",
            [
                "- Tidspunkt for mødet onsdag den 10. januar 2024 kl. 09.00–15.00: onsdag"
                " den 10. januar 2024 kl. 10.00–15.00"
                " (før: onsdag den 10. januar 2024 kl. 09.00–15.00)",
                "- Sted for mødet «Opfølgning»: online (Teams): https://teams.microsoft.com/l/new"
                " (før: online (Teams): https://teams.microsoft.com/l/meetup-join/abc)",
            ],
        ),
        (
            "en",
            [
                "- Time of the meeting Wednesday 10 January 2024 at 09:00–15:00: Wednesday"
                " 10 January 2024 at 10:00–15:00 (was: Wednesday 10 January 2024 at 09:00–15:00)",
                "- Place of the meeting «Opfølgning»: online (Teams): https://teams.microsoft.com/l/new"
                " (was: online (Teams): https://teams.microsoft.com/l/meetup-join/abc)",
            ],
        ),
    ],
)
def test_a_network_change_says_what_changed(language: str, lines: list[str], network: Any) -> None:
    event = network()
    meetings = [m.model_dump(mode="json") for m in event.meetings]
    meetings[0]["starts_at"] = "2024-01-10T10:00:00+01:00"
    meetings[1]["online_url"] = "https://teams.microsoft.com/l/new"
    changed = network(id=event.id, meetings=meetings)
    view = compose_change(changed, seat(changed, language), changes_between(event, changed))
    mail = TemplateRenderer().render(view)
    for line in lines:
        assert line in mail.text
    assert '<a href="https://teams.microsoft.com/l/new">' in mail.html


def test_a_broadcast_keeps_the_organisers_paragraphs_and_is_escaped_in_html(
    conference: Any,
) -> None:
    event = conference()
    text = "Husk <madpakke> & kaffe.\nVi starter kl. 9.\n\nVel mødt!"
    mail = TemplateRenderer().render(compose_message(event, seat(event), text, None))
    assert mail.subject == f"Besked fra arrangøren: {event.title}"
    assert "Husk <madpakke> & kaffe.\nVi starter kl. 9.\n\nVel mødt!" in mail.text
    assert "<p>Husk &lt;madpakke&gt; &amp; kaffe.<br>Vi starter kl. 9.</p>" in mail.html
    subject = compose_message(event, seat(event), text, "Praktisk\ninfo").subject
    assert subject == "Praktisk info"


@pytest.mark.parametrize(
    ("language", "line"),
    [
        ("da", "tirsdag den 14. maj 2024 kl. 10.00–12.00 – Opfølgning, online (Teams): https://"),
        ("en", "Tuesday 14 May 2024 at 10:00–12:00 – Opfølgning, online (Teams): https://"),
    ],
)
def test_a_network_reminder_names_the_meeting(language: str, line: str, network: Any) -> None:
    event = network()
    mail = TemplateRenderer().render(compose_reminder(event, seat(event, language), "moede-2"))
    assert mail.subject.startswith("Påmindelse: " if language == "da" else "Reminder: ")
    assert line in mail.text
    assert "KL-huset" not in mail.text  # the other meeting is not this reminder's business


def test_a_conference_reminder_lists_the_sessions_held(conference: Any) -> None:
    event = conference()
    mail = TemplateRenderer().render(
        compose_reminder(event, seat(event, runde_1="temamoede-2"), "event")
    )
    assert (
        "Vi minder dig om Konference om dagtilbud af høj kvalitet, tirsdag den 3. oktober"
        in mail.text
    )
    assert "Runde 1: Leg og læring (kl. 11.15–12.15)" in mail.text
