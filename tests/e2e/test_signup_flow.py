"""Sign-up to confirmation email, end to end on the real broker, databases and SMTP."""

from typing import Any

from ruamel.yaml import YAML

from tests.e2e.kafka_io import Producer, Tail, eventually
from tests.e2e.mailbox import Mailbox
from tests.e2e.scenario import (
    attendee,
    conference,
    new_event_id,
    outcome_for,
    publish_event,
    sign_up,
)
from tests.e2e.services import ROOT
from tilmeld_contracts.catalog.v1 import EventDefinition

CONFIRMED = "dk.tilmeld.registration.confirmed.v1"
WAITLISTED = "dk.tilmeld.registration.waitlisted.v1"


async def test_three_seats_five_signups(
    producer: Producer, outcomes: Tail, mailbox: Mailbox, notifications: Tail
) -> None:
    event_id = new_event_id()
    definition = conference(event_id, capacity=3)
    await publish_event(producer, definition)
    people = [attendee(i, domain=f"{event_id}.dk") for i in range(1, 6)]
    request_ids = [await sign_up(producer, event_id, person) for person in people]

    await eventually(lambda: len(outcomes.events(event_id)) >= 5, what="five outcomes")
    decided = [outcome_for(outcomes.events(event_id), rid) for rid in request_ids]
    assert [len(d) for d in decided] == [1, 1, 1, 1, 1]
    assert [d[0]["type"] for d in decided] == [CONFIRMED] * 3 + [WAITLISTED] * 2
    assert [d[0]["data"]["position"] for d in decided[3:]] == [1, 2]
    for fact, person in zip(decided, people, strict=True):
        assert fact[0]["data"]["attendee"]["email"] == person["email"]
        assert fact[0]["subject"] == fact[0]["data"]["registration_id"]
        assert fact[0]["source"] == "urn:tilmeld:registration"

    title = definition["title"]
    await eventually(lambda: len(mailbox.about(title)) >= 5, what="five mails")
    for i, person in enumerate(people):
        mails = mailbox.to(person["email"])
        assert len(mails) == 1
        expected = "Bekræftelse af tilmelding" if i < 3 else "Du er på venteliste"
        assert mails[0]["Subject"] == f"{expected}: {title}"
        body = mails[0].get_body(("plain",))
        assert body is not None and person["name"] in body.get_content()
    await eventually(lambda: len(notifications.events(event_id)) >= 5, what="notification.sent")
    sent = notifications.events(event_id)
    assert {e["type"] for e in sent} == {"dk.tilmeld.notification.sent.v1"}


async def test_the_same_signup_twice_has_one_effect(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    event_id = new_event_id()
    await publish_event(producer, conference(event_id, capacity=10))
    person = attendee(1, domain=f"{event_id}.dk")
    first = await sign_up(producer, event_id, person, id_=f"signup-{event_id}")
    await sign_up(producer, event_id, person, id_=first)  # redelivered by the sender
    # A later sign-up on the same key is decided after the duplicate: once it is, the
    # duplicate has been handled too, and a second effect would be visible.
    sentinel_person = attendee(2, domain=f"{event_id}.dk")
    sentinel = await sign_up(producer, event_id, sentinel_person)
    await eventually(lambda: bool(outcome_for(outcomes.events(event_id), sentinel)))
    assert len(outcome_for(outcomes.events(event_id), first)) == 1
    assert outcome_for(outcomes.events(event_id), first)[0]["type"] == CONFIRMED
    await eventually(lambda: len(mailbox.to(sentinel_person["email"])) == 1, what="sentinel mail")
    assert len(mailbox.to(person["email"])) == 1


async def test_bad_input_is_dead_lettered_or_rejected_and_processing_goes_on(
    producer: Producer, outcomes: Tail, deadletters: Tail, mailbox: Mailbox
) -> None:
    event_id = new_event_id()
    await publish_event(producer, conference(event_id, capacity=10))
    await producer.send("tilmeld.signups", event_id, b"{ this is not json")
    no_source: dict[str, Any] = {
        "specversion": "1.0",
        "id": "x1",
        "type": "dk.tilmeld.signup.requested.v1",
        "time": "2026-01-01T00:00:00Z",
        "data": {},
    }
    await producer.send("tilmeld.signups", event_id, no_source)
    unknown_type = {**no_source, "source": "urn:kl:website", "type": "dk.example.unknown.v1"}
    await producer.send("tilmeld.signups", event_id, unknown_type)
    bad_email = attendee(1, email="not-an-email")
    invalid = await sign_up(producer, event_id, bad_email)
    good_person = attendee(2, domain=f"{event_id}.dk")
    good = await sign_up(producer, event_id, good_person)

    await eventually(lambda: bool(outcome_for(outcomes.events(event_id), good)), what="good one")
    assert outcome_for(outcomes.events(event_id), good)[0]["type"] == CONFIRMED
    rejected = outcome_for(outcomes.events(event_id), invalid)
    assert [r["type"] for r in rejected] == ["dk.tilmeld.registration.rejected.v1"]
    assert rejected[0]["data"]["reason"] == "invalid_request"
    assert "email" in rejected[0]["data"]["detail"]

    await eventually(lambda: len(deadletters.with_key(event_id)) >= 3, what="three dead letters")
    letters = deadletters.with_key(event_id)
    reasons = [dict(r.headers)["tilmeld-error"].decode() for r in letters]
    assert reasons == ["not_json", "not_cloudevent", "unknown_type"]
    assert letters[0].value == b"{ this is not json"  # value unchanged
    for letter in letters:
        headers = dict(letter.headers)
        assert headers["tilmeld-topic"] == b"tilmeld.signups"
        assert int(headers["tilmeld-offset"]) >= 0
        assert headers["tilmeld-detail"]
    await eventually(lambda: len(mailbox.to(good_person["email"])) == 1, what="good mail")


async def test_contract_example_signup_on_the_sample_conference(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    """CONTRACT.md's sign-up example, against deploy/sample/stuk-dagtilbud-2023.yaml."""
    sample = YAML(typ="safe").load((ROOT / "deploy/sample/stuk-dagtilbud-2023.yaml").read_text())
    definition = EventDefinition.model_validate(sample | {"id": new_event_id("stuk")})
    event_id = definition.id
    await publish_event(producer, definition.model_dump(mode="json"))
    person = attendee(1, domain=f"{event_id}.dk", name="Mette Hansen")
    request = await sign_up(
        producer,
        event_id,
        person,
        choices={"runde-1": ["temamoede-3", "temamoede-1"], "runde-2": ["temamoede-5"]},
    )
    await eventually(lambda: bool(outcome_for(outcomes.events(event_id), request)))
    [fact] = outcome_for(outcomes.events(event_id), request)
    assert fact["type"] == CONFIRMED, fact["data"]
    assert fact["data"]["sessions"] == {"runde-1": "temamoede-3", "runde-2": "temamoede-5"}
    await eventually(lambda: len(mailbox.to(person["email"])) == 1, what="confirmation mail")
    body = mailbox.to(person["email"])[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "En levende evalueringskultur i dagplejen" in text  # runde-1's granted session
    assert "tirsdag den 3. oktober 2023" in text
