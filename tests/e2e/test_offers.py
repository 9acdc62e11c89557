"""Promotion mode `offer` end to end on the real broker: a freed seat is offered to the first
waiter with a deadline; accepted → promoted; declined → cancelled and offered to the next.
(Expiry needs an hour to pass: it is tested in services/capacity/tests/test_offer_timer.py
against the real PostgreSQL, with the timer's clock in the test's hands.)"""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.kafka_io import Producer, Tail, cloudevent, eventually
from tests.e2e.mailbox import Mailbox
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event, sign_up
from tilmeld_contracts import topics
from tilmeld_contracts.signups import v1 as signups

REGISTRATION = "dk.tilmeld.registration."
OFFER_MODE = {"promotion": "offer", "offer_hours": 1}


def facts(outcomes: Tail, event_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(kind, registration id, data) per outcome fact about the event, in order."""
    return [
        (e["type"].removeprefix(REGISTRATION).removesuffix(".v1"), e["subject"], e["data"])
        for e in outcomes.events(event_id)
    ]


async def until(outcomes: Tail, event_id: str, count: int) -> list[tuple[str, str, dict]]:
    await eventually(lambda: len(facts(outcomes, event_id)) >= count, what=f"{count} facts")
    return facts(outcomes, event_id)


async def send(producer: Producer, type_: str, event_id: str, registration_id: str) -> None:
    data = {"event_id": event_id, "registration_id": registration_id}
    await producer.send(topics.SIGNUPS, event_id, cloudevent(type_, data))


async def one_seat_in_offer_mode(producer: Producer, outcomes: Tail, waiters: int) -> tuple:
    """A confirmed, the others waitlisted; returns the event id, title and registration ids."""
    event_id = new_event_id("offer")
    definition = conference(event_id, capacity=1, waitlist=OFFER_MODE)
    await publish_event(producer, definition)
    for n in range(1, waiters + 2):
        await sign_up(producer, event_id, attendee(n, domain=f"{event_id}.dk"))
        await until(outcomes, event_id, n)  # one at a time: arrival order is the test's
    decided = facts(outcomes, event_id)
    assert [kind for kind, _, _ in decided] == ["confirmed"] + ["waitlisted"] * waiters
    return event_id, definition["title"], [rid for _, rid, _ in decided]


async def test_a_freed_seat_is_offered_and_accepted(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    event_id, title, (a, b) = await one_seat_in_offer_mode(producer, outcomes, waiters=1)
    cancelled_at = datetime.now(UTC)
    await send(producer, signups.CANCELLATION_REQUESTED, event_id, a)
    cancelled, offered = (await until(outcomes, event_id, 4))[2:4]
    assert cancelled[:2] == ("cancelled", a) and cancelled[2]["reason"] == "by_attendee"
    assert offered[:2] == ("offered", b)
    expires_at = datetime.fromisoformat(offered[2]["expires_at"])
    assert timedelta(minutes=59) < expires_at - cancelled_at < timedelta(minutes=61)

    await send(producer, signups.OFFER_ACCEPTED, event_id, b)
    promoted = (await until(outcomes, event_id, 5))[4]
    assert promoted[:2] == ("promoted", b)
    person = attendee(2, domain=f"{event_id}.dk")
    await eventually(lambda: len(mailbox.to(person["email"])) >= 3, what="three mails to b")
    assert [m["Subject"] for m in mailbox.to(person["email"])] == [
        f"Du er på venteliste: {title}",
        f"Tilbud om plads: {title}",
        f"Du har fået en plads: {title}",
    ]


async def test_a_declined_offer_goes_to_the_next_in_line(
    producer: Producer, outcomes: Tail
) -> None:
    event_id, _, (a, b, c) = await one_seat_in_offer_mode(producer, outcomes, waiters=2)
    await send(producer, signups.CANCELLATION_REQUESTED, event_id, a)
    assert (await until(outcomes, event_id, 5))[4][:2] == ("offered", b)

    await send(producer, signups.OFFER_DECLINED, event_id, b)
    declined, offered = (await until(outcomes, event_id, 7))[5:7]
    assert declined[:2] == ("cancelled", b) and declined[2]["reason"] == "offer_declined"
    assert offered[:2] == ("offered", c) and offered[2]["expires_at"]

    await send(producer, signups.OFFER_ACCEPTED, event_id, b)  # too late: declined already
    rejected = (await until(outcomes, event_id, 8))[7]
    assert rejected[:2] == ("rejected", b) and rejected[2]["reason"] == "invalid_request"
    await send(producer, signups.OFFER_ACCEPTED, event_id, c)
    assert (await until(outcomes, event_id, 9))[8][:2] == ("promoted", c)
