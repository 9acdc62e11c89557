"""Organiser changes and broadcasts reach exactly the right people, and a fan-out of a thousand
never holds up a person's own outcome mail; its progress is visible."""

import time
from collections import Counter
from typing import Any

import asyncpg
from prometheus_client import REGISTRY

from notification.adapters import fanouts_table, registrations_table

ROOM_SUBJECT, MESSAGE_SUBJECT = "Ændring i", "Besked fra arrangøren"


async def drain(mailer: Any) -> None:
    while await mailer.send_next():
        pass


def received(relay: Any, subject_start: str) -> list[str]:
    return sorted(
        str(m["To"]).split("<")[1].rstrip(">")
        for m in relay.received
        if str(m["Subject"]).startswith(subject_start)
    )


def person(n: str) -> dict[str, str]:
    return {"name": n.title(), "email": f"{n}@aarhus.dk", "organisation": "Aarhus Kommune"}


async def test_changes_and_broadcasts_reach_exactly_the_people_concerned(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    event, other = conference(), conference()
    await feed.publish(event)
    await feed.publish(other)
    seats = {"anna": {"runde-1": "temamoede-1"}, "bo": {"runde-1": "temamoede-2"}}
    for name, sessions in seats.items():
        await feed.fact(
            "confirmed",
            fact(
                "confirmed",
                event.id,
                attendee=person(name),
                sessions=sessions,
                session_waitlists={},
            ),
        )
    await feed.fact("waitlisted", fact("waitlisted", event.id, attendee=person("carl")))
    gone = fact("confirmed", event.id, attendee=person("dorte"), sessions=seats["anna"])
    await feed.fact("confirmed", gone)
    await feed.fact(
        "cancelled",
        fact("cancelled", event.id, attendee=person("dorte"), registration_id=gone.registration_id),
    )
    await feed.fact("confirmed", fact("confirmed", other.id, attendee=person("erik")))
    mailer = make_mailer(port)
    await drain(mailer)
    relay.received.clear()

    room = event.model_dump(mode="json")
    room["rounds"][0]["sessions"][0]["room"] = "Sal 2"  # temamoede-1: Anna (Dorte left)
    await feed.publish(conference(**room), changed=True)
    await drain(mailer)
    assert received(relay, ROOM_SUBJECT) == ["anna@aarhus.dk"]

    relay.received.clear()
    moved = {**room, "venue": {"name": "Musikhuset", "address": "Thomas Jensens Allé, Aarhus"}}
    await feed.publish(conference(**moved), changed=True)
    await drain(mailer)
    assert received(relay, ROOM_SUBJECT) == ["anna@aarhus.dk", "bo@aarhus.dk", "carl@aarhus.dk"]
    carl = next(m for m in relay.received if "carl" in str(m["To"]))
    carl_text = carl.get_body(("plain",))
    assert carl_text is not None
    assert "Sted: Musikhuset, Thomas Jensens Allé, Aarhus (før: Odeon" in carl_text.get_content()
    assert not [p for p in carl.iter_attachments()]  # no seat, no calendar

    relay.received.clear()
    await feed.message(event.id, "Husk madpakke.", subject="Praktisk information")
    await drain(mailer)
    assert received(relay, "Praktisk information") == ["anna@aarhus.dk", "bo@aarhus.dk"]


async def test_a_thousand_change_notices_wait_behind_a_persons_own_mail(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    event = conference()
    await feed.publish(event)
    async with db.acquire() as conn, conn.transaction():
        for n in range(1000):
            await registrations_table.save(
                conn, f"reg-{n:04d}", event.id, "confirmed", person(f"p{n:04d}"), {}
            )
    started = time.perf_counter()
    await feed.publish(conference(id=event.id, venue={"name": "Musikhuset"}), changed=True)
    fanned_out = time.perf_counter() - started
    assert fanned_out < 5, f"the change took {fanned_out:.2f}s to fan out"
    newcomer = fact("confirmed", event.id, attendee=person("nanna"))
    await feed.fact("confirmed", newcomer)

    mailer = make_mailer(port, batch_size=1)  # one mail per call, to see the order
    for _ in range(3):
        assert await mailer.send_next()
    assert [str(m["Subject"]).split(":")[0] for m in relay.received] == [
        "Bekræftelse af tilmelding",
        "Ændring i Konference om dagtilbud af høj kvalitet",
        "Ændring i Konference om dagtilbud af høj kvalitet",
    ]

    async with db.acquire() as conn:
        [progress] = await fanouts_table.progress(conn, event.id, 10)
    assert (progress["kind"], progress["recipients"], progress["sent"], progress["pending"]) == (
        "event_changed",
        1000,
        2,
        998,
    )
    await mailer._refresh_gauges(force=True)
    assert (
        REGISTRY.get_sample_value("tilmeld_notification_fanout_pending", {"kind": "event_changed"})
        == 998
    )


async def test_a_cancelled_person_gets_no_pending_notice_and_the_cancellation_goes_first(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    event = conference()
    await feed.publish(event)
    anna = fact("confirmed", event.id, attendee=person("anna"))
    await feed.fact("confirmed", anna)
    mailer = make_mailer(port)
    await drain(mailer)
    await feed.publish(conference(id=event.id, venue={"name": "Musikhuset"}), changed=True)
    await feed.fact(
        "cancelled",
        fact(
            "cancelled",
            event.id,
            attendee=person("anna"),
            registration_id=anna.registration_id,
            reason="by_attendee",
        ),
    )
    await drain(mailer)
    kinds = Counter(str(m["Subject"]).split(":")[0] for m in relay.received)
    assert kinds == {"Bekræftelse af tilmelding": 1, "Din tilmelding er annulleret": 1}
    skipped = await db.fetchval(
        "SELECT last_error FROM mail_jobs WHERE template = 'event_changed' AND status = 'skipped'"
    )
    assert skipped == "registration cancelled"
