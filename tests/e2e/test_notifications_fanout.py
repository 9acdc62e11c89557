"""Organiser changes, broadcasts and a cancellation on the real services: each reaches exactly
the people it concerns, confirmed attendees' calendars follow (same UIDs, higher SEQUENCE,
then METHOD:CANCEL), and confirmation mails carry working self-service links."""

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import unquote

from icalendar import Calendar

from tests.e2e.kafka_io import Producer, cloudevent, eventually
from tests.e2e.mailbox import Mailbox
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event, sign_up
from tests.e2e.services import ROOT
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_runtime import links
from tilmeld_runtime.settings import ServiceSettings

LINK_SECRET = ServiceSettings.model_fields["link_secret"].default
# Mails queue behind whatever earlier runs (and benchmarks) left in the shared database.
BACKLOG_SECONDS = 240.0


def with_rounds(event_id: str, capacity: int) -> dict[str, Any]:
    definition = conference(event_id, capacity=capacity)
    start = datetime.fromisoformat(definition["starts_at"])
    definition["rounds"] = [
        {
            "id": "runde-1",
            "starts_at": (start + timedelta(hours=2)).isoformat(),
            "ends_at": (start + timedelta(hours=3)).isoformat(),
            "sessions": [
                {"id": "leg", "title": "Leg og læring", "room": "Sal 1"},
                {"id": "sprog", "title": "Sprogarbejde", "room": "Sal 2"},
            ],
        }
    ]
    return definition


def calendar_of(mail: EmailMessage) -> tuple[str, dict[str, int]] | None:
    """(METHOD, UID → SEQUENCE) of the mail's .ics, or None without one."""
    parts = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    [part] = parts
    calendar = Calendar.from_ical(part.get_content())
    return str(calendar["METHOD"]), {
        str(e["UID"]): int(e["SEQUENCE"]) for e in calendar.walk("VEVENT")
    }


def plain(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def subjects(mailbox: Mailbox, person: dict[str, Any], title: str) -> list[str]:
    """Subject lines without the event's title."""
    return [str(m["Subject"]).replace(title, "").rstrip(": ") for m in mailbox.to(person["email"])]


async def test_changes_messages_and_cancellation_reach_exactly_those_concerned(
    producer: Producer, mailbox: Mailbox, services: Any
) -> None:
    event_id, other_id = new_event_id("fanout"), new_event_id("fanout-other")
    definition = with_rounds(event_id, capacity=2)
    await publish_event(producer, definition)
    await publish_event(producer, conference(other_id, capacity=5))
    anna, bo, carl = (attendee(n, domain=f"{event_id}.dk") for n in (1, 2, 3))
    erik = attendee(4, domain=f"{other_id}.dk")
    await sign_up(producer, event_id, anna, {"runde-1": ["leg"]})
    await sign_up(producer, event_id, bo, {"runde-1": ["sprog"]})
    await sign_up(producer, event_id, carl, {"runde-1": ["leg"]})  # full: waiting list
    await sign_up(producer, other_id, erik)
    await eventually(
        lambda: all(len(mailbox.to(p["email"])) == 1 for p in (anna, bo, carl, erik)),
        timeout=BACKLOG_SECONDS,
        what="first mails",
    )
    [confirmation] = mailbox.to(anna["email"])
    method, first_uids = calendar_of(confirmation) or ("", {})
    assert method == "REQUEST" and len(first_uids) == 2  # the day and her session
    _check_links(confirmation, event_id, definition["ends_at"])
    assert calendar_of(mailbox.to(carl["email"])[0]) is None

    # The organiser moves the venue and Anna's session to another room.
    changed = {**definition, "venue": {"name": "Musikhuset", "address": "Thomas Jensens Allé"}}
    changed["rounds"] = [
        {
            **definition["rounds"][0],
            "sessions": [
                {"id": "leg", "title": "Leg og læring", "room": "Sal 7"},
                {"id": "sprog", "title": "Sprogarbejde", "room": "Sal 2"},
            ],
        }
    ]
    await producer.send(
        topics.CATALOG,
        event_id,
        cloudevent(catalog.EVENT_CHANGED, changed, source="urn:tilmeld:e2e", subject=event_id),
    )
    await eventually(
        lambda: all(len(mailbox.to(p["email"])) == 2 for p in (anna, bo, carl)),
        what="change notices",
    )
    anna_notice = mailbox.to(anna["email"])[1]
    text = plain(anna_notice)
    assert "Lokale for «Leg og læring»: Sal 7 (før: Sal 1)" in text
    assert "Sted: Musikhuset, Thomas Jensens Allé (før: Odeon" in text
    bo_text = plain(mailbox.to(bo["email"])[1])
    assert "Lokale for" not in bo_text and "Sted: Musikhuset" in bo_text
    method, updated = calendar_of(anna_notice) or ("", {})
    assert method == "REQUEST" and updated.keys() == first_uids.keys()
    assert all(updated[uid] > first_uids[uid] for uid in updated)
    assert calendar_of(mailbox.to(carl["email"])[1]) is None

    # A broadcast through the real command reaches the two with a seat.
    command = await asyncio.create_subprocess_exec(
        str(ROOT / ".venv/bin/tilmeld"),
        "events",
        "message",
        event_id,
        "--text",
        "Husk madpakke.\n\nVel mødt!",
        cwd=ROOT,
        stdout=sys.stderr,
    )
    assert await command.wait() == 0
    await eventually(
        lambda: all(len(mailbox.to(p["email"])) == 3 for p in (anna, bo)), what="broadcast"
    )
    assert "Husk madpakke." in plain(mailbox.to(bo["email"])[2])

    # The event is cancelled: one mail to each of the three, the seat holders' entries removed.
    await producer.send(
        topics.CATALOG,
        event_id,
        cloudevent(
            catalog.EVENT_CANCELLED,
            {"event_id": event_id, "reason": "For få tilmeldte"},
            source="urn:tilmeld:e2e",
            subject=event_id,
        ),
    )
    await eventually(
        lambda: (
            len(mailbox.to(carl["email"])) == 3
            and all(len(mailbox.to(p["email"])) == 4 for p in (anna, bo))
        ),
        what="cancellations",
    )
    cancelled = mailbox.to(anna["email"])[3]
    assert "Arrangørens begrundelse: For få tilmeldte" in plain(cancelled)
    method, removed = calendar_of(cancelled) or ("", {})
    assert method == "CANCEL" and removed.keys() == first_uids.keys()
    assert all(removed[uid] > updated[uid] for uid in removed)
    assert subjects(mailbox, carl, definition["title"]) == [
        "Du er på venteliste",
        "Ændring i",
        "Din tilmelding er annulleret",
    ]
    assert len(mailbox.to(erik["email"])) == 1


def _check_links(mail: EmailMessage, event_id: str, ends_at: str) -> None:
    text = plain(mail)
    urls = [
        line.split(": ", 1)[1]
        for line in text.splitlines()
        if line.startswith(("Se din tilmelding: ", "Afmeld: "))
    ]
    assert [u.startswith("http://127.0.0.1:8081/selvbetjening/") for u in urls] == [True, True]
    claims = [
        links.verify(LINK_SECRET, unquote(u.rsplit("/", 1)[1]), datetime.now(UTC)) for u in urls
    ]
    assert [c.action for c in claims] == ["view", "cancel"]
    assert {c.event_id for c in claims} == {event_id}
    assert {c.expires_at for c in claims} == {datetime.fromisoformat(ends_at)}
