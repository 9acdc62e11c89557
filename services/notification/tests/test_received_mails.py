"""Every mail in both languages as the attendee receives it: sent by the real mailer through a
real SMTP server (aiosmtpd), parsed back: headers, the text and HTML parts, the signed links,
and the calendar (.ics, parsed with the icalendar library)."""

import re
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

import asyncpg
import pytest
from icalendar import Calendar

from notification.service.reminder_scheduler import ReminderScheduler
from tilmeld_runtime import links

from .conftest import LINK_SECRET

SUBJECT = {
    "confirmed": ("Bekræftelse af tilmelding", "Registration confirmed"),
    "waitlisted": ("Du er på venteliste", "You are on the waiting list"),
    "offered": ("Tilbud om plads", "A seat is offered to you"),
    "promoted": ("Du har fået en plads", "You have been given a seat"),
    "session_changed": ("Ændring i dine temamøder", "Your sessions have changed"),
    "cancelled": ("Din tilmelding er annulleret", "Your registration is cancelled"),
    "rejected": ("Tilmelding ikke mulig", "Registration not possible"),
    "event_changed": ("Ændring i", "Changes to"),
    "message": ("Besked fra arrangøren", "Message from the organiser"),
    "reminder": ("Påmindelse", "Reminder"),
}
SAYS = {
    "confirmed": ("Du har fået en plads til", "You have a seat at"),
    "waitlisted": ("Du er nummer 7 på ventelisten", "You are number 7"),
    "offered": ("Svar på tilbuddet senest", "Please answer the offer by"),
    "promoted": ("du har nu fået en plads", "you now have a seat"),
    "session_changed": ("dine temamøder til", "your sessions at"),
    "cancelled": ("Du har selv meldt dig fra.", "You cancelled your registration yourself."),
    "rejected": (
        "Tilmeldingen til arrangementet er lukket.",
        "Registration for the event has closed.",
    ),
    "event_changed": (
        "Lokale for «Tidligt samarbejde med forældre på deres arena»: Sal 2",
        "Room for «Tidligt samarbejde med forældre på deres arena»: Sal 2",
    ),
    "message": ("Husk madpakke.", "Husk madpakke."),
    "reminder": ("Vi minder dig om", "A reminder of"),
}
CALENDAR = {
    "confirmed": "REQUEST",
    "promoted": "REQUEST",
    "session_changed": "REQUEST",
    "event_changed": "REQUEST",
    "cancelled": "CANCEL",
}
LINKS = {
    "confirmed": ["view", "cancel"],
    "promoted": ["view", "cancel"],
    "waitlisted": ["view", "cancel"],
    "offered": ["accept", "decline", "view"],
    "event_changed": ["view", "cancel"],
    "reminder": ["view", "cancel"],
}


def ahead(data: Any, delta: timedelta) -> Any:
    """The same definition `delta` later (every starts_at/ends_at)."""
    if isinstance(data, dict):
        return {
            k: (datetime.fromisoformat(v) + delta).isoformat()
            if k in ("starts_at", "ends_at")
            else ahead(v, delta)
            for k, v in data.items()
        }
    return [ahead(v, delta) for v in data] if isinstance(data, list) else data


async def _cause(
    kind: str, feed: Any, event: Any, fact: Any, clock: Any, db: Any, conference: Any
) -> Any:
    """Feed what leads to a mail of `kind`; returns the registration's fact."""
    first = {"promoted": "waitlisted"}.get(kind, "confirmed")
    extra = (
        {"expires_at": (event.starts_at - timedelta(days=1)).isoformat()}
        if kind == "offered"
        else {}
    )
    primary = fact(
        kind
        if kind in SUBJECT and kind not in ("event_changed", "message", "reminder")
        else "confirmed",
        event.id,
        **extra,
    )
    if kind in ("promoted", "session_changed", "cancelled"):
        await feed.fact(first, fact(first, event.id, registration_id=primary.registration_id))
    if kind == "cancelled":
        primary = fact(
            "cancelled", event.id, registration_id=primary.registration_id, reason="by_attendee"
        )
    await feed.fact(kind if kind in FACT_KINDS else "confirmed", primary)
    if kind == "event_changed":
        changed = event.model_dump(mode="json")
        changed["rounds"][0]["sessions"][0]["room"] = "Sal 2"
        await feed.publish(conference(**changed), changed=True)
    elif kind == "message":
        await feed.message(event.id, "Husk madpakke.\n\nVi ses!")
    elif kind == "reminder":
        clock.ahead = timedelta(days=2, hours=12)  # the 1-day reminder is due
        assert await ReminderScheduler(db, clock).fire_due() >= 1
    return primary


FACT_KINDS = {
    "confirmed",
    "waitlisted",
    "offered",
    "promoted",
    "session_changed",
    "cancelled",
    "rejected",
}


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("kind", list(SUBJECT))
async def test_each_mail_as_received(
    kind: str,
    language: str,
    db: asyncpg.Pool,
    feed: Any,
    conference: Any,
    fact: Any,
    clock: Any,
    smtp_relay: Any,
    make_mailer: Any,
) -> None:
    relay, port = smtp_relay
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    base = conference(language=language)
    event = conference(**ahead(base.model_dump(mode="json"), start - base.starts_at))
    await feed.publish(event)
    person = await _cause(kind, feed, event, fact, clock, db, conference)

    mailer = make_mailer(port)
    while await mailer.send_next():
        pass
    da, en = SUBJECT[kind]
    wanted = f"{da if language == 'da' else en}"
    [mail] = [m for m in relay.received if str(m["Subject"]).startswith(wanted)]
    job = await db.fetchrow("SELECT * FROM mail_jobs WHERE message_id = $1", mail["Message-ID"])

    assert mail["Subject"].endswith(event.title)
    assert mail["To"] == "Mette Hansen <mette@aarhus.dk>"
    assert mail["From"] == "Tilmeld <tilmeld@tilmeld.local>"
    assert mail["Message-ID"] == f"<{job['id']}@tilmeld>"
    assert mail["Content-Language"] == language
    assert mail["Auto-Submitted"] == "auto-generated"
    text, html = _part(mail, "plain"), _part(mail, "html")
    says = SAYS[kind][0 if language == "da" else 1]
    assert says in text
    assert says in " ".join(re.sub(r"<[^>]+>", " ", html).split()).replace(" :", ":")
    for part in (text, html):
        assert ("Kære Mette Hansen" if language == "da" else "Dear Mette Hansen,") in part

    _check_links(kind, text, html, person, event)
    _check_calendar(kind, mail, job, person, event)


def _part(mail: EmailMessage, subtype: str) -> str:
    body = mail.get_body((subtype,))
    assert body is not None
    return str(body.get_content())


def _check_links(kind: str, text: str, html: str, person: Any, event: Any) -> None:
    urls = re.findall(r"https://tilmeld\.example\.dk/selvbetjening/\S+", text)
    claims = [
        links.verify(LINK_SECRET, unquote(u.rsplit("/", 1)[1]), datetime.now(UTC)) for u in urls
    ]
    assert [c.action for c in claims] == LINKS.get(kind, [])
    for claim, url in zip(claims, urls, strict=True):
        assert (claim.registration_id, claim.event_id) == (person.registration_id, event.id)
        expected = person.expires_at if claim.action in ("accept", "decline") else event.ends_at
        assert claim.expires_at == expected
        assert f'href="{url}"' in html


def _check_calendar(kind: str, mail: EmailMessage, job: Any, person: Any, event: Any) -> None:
    attachments = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    if kind not in CALENDAR:
        assert attachments == []
        return
    [ics] = attachments
    assert ics.get_param("method") == CALENDAR[kind]
    calendar = Calendar.from_ical(ics.get_content())
    assert str(calendar["METHOD"]) == CALENDAR[kind]
    entries = calendar.walk("VEVENT")
    assert entries and all(str(e["UID"]).startswith(f"{person.registration_id}.") for e in entries)
    assert {int(e["SEQUENCE"]) for e in entries} == {job["seq"]}
    whole = next(e for e in entries if str(e["UID"]).endswith(f".event.{event.id}@tilmeld"))
    assert whole["DTSTART"].dt == event.starts_at
    assert str(whole["LOCATION"]) == "Odeon, Odeons Kvarter 1, 5000 Odense C"
    assert str(whole["ATTENDEE"]) == "mailto:mette@aarhus.dk"
    assert str(whole["STATUS"]) == ("CANCELLED" if kind == "cancelled" else "CONFIRMED")
