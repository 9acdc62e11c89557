"""Allocation rules across the services: duplicates, cancellation and promotion, organiser
changes, event cancellation, the registration window."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.kafka_io import Producer, Tail, cloudevent, eventually
from tests.e2e.scenario import (
    attendee,
    conference,
    new_event_id,
    outcome_for,
    publish_event,
    sign_up,
)
from tilmeld_contracts import topics

FACT = "dk.tilmeld.registration."


def _kind(fact: dict[str, Any]) -> str:
    return str(fact["type"]).removeprefix(FACT).removesuffix(".v1")


def _of(tail: Tail, event_id: str, kind: str) -> list[dict[str, Any]]:
    return [e for e in tail.events(event_id) if _kind(e) == kind]


async def _decided(tail: Tail, event_id: str, requests: list[str]) -> list[dict[str, Any]]:
    await eventually(lambda: all(outcome_for(tail.events(event_id), r) for r in requests))
    return [outcome_for(tail.events(event_id), r)[0] for r in requests]


async def test_same_email_twice_is_rejected_with_the_existing_registration(
    producer: Producer, outcomes: Tail
) -> None:
    event_id = new_event_id()
    await publish_event(producer, conference(event_id, capacity=5))
    person = attendee(1, domain=f"{event_id}.dk")
    again = person | {"email": person["email"].upper()}  # same address, other case
    first, second = await _decided(
        outcomes,
        event_id,
        [await sign_up(producer, event_id, person), await sign_up(producer, event_id, again)],
    )
    assert _kind(first) == "confirmed", first["data"]
    assert _kind(second) == "rejected"
    assert second["data"]["reason"] == "already_registered"
    assert second["data"]["detail"] == first["data"]["registration_id"]


async def test_cancellation_by_email_promotes_the_first_waiting(
    producer: Producer, outcomes: Tail
) -> None:
    event_id = new_event_id()
    await publish_event(producer, conference(event_id, capacity=1))
    people = [attendee(i, domain=f"{event_id}.dk") for i in range(3)]
    facts = await _decided(
        outcomes, event_id, [await sign_up(producer, event_id, p) for p in people]
    )
    assert [_kind(f) for f in facts] == ["confirmed", "waitlisted", "waitlisted"]
    cancel = cloudevent(
        "dk.tilmeld.cancellation.requested.v1", {"event_id": event_id, "email": people[0]["email"]}
    )
    await producer.send(topics.SIGNUPS, event_id, cancel)
    await eventually(lambda: bool(_of(outcomes, event_id, "promoted")), what="promotion")
    [cancelled] = _of(outcomes, event_id, "cancelled")
    assert cancelled["data"]["registration_id"] == facts[0]["data"]["registration_id"]
    assert cancelled["data"]["reason"] == "by_attendee"
    [promoted] = _of(outcomes, event_id, "promoted")
    assert promoted["data"]["registration_id"] == facts[1]["data"]["registration_id"]


async def test_raised_capacity_promotes_at_once_and_lowered_keeps_seats(
    producer: Producer, outcomes: Tail
) -> None:
    event_id = new_event_id()
    definition = conference(event_id, capacity=1)
    await publish_event(producer, definition)
    people = [attendee(i, domain=f"{event_id}.dk") for i in range(4)]
    facts = await _decided(
        outcomes, event_id, [await sign_up(producer, event_id, p) for p in people]
    )
    assert [_kind(f) for f in facts] == ["confirmed"] + ["waitlisted"] * 3

    changed = cloudevent(
        "dk.tilmeld.event.changed.v1", definition | {"capacity": 3}, source="urn:tilmeld:e2e"
    )
    await producer.send(topics.CATALOG, event_id, changed)
    await eventually(lambda: len(_of(outcomes, event_id, "promoted")) == 2, what="two promoted")
    promoted = [p["data"]["registration_id"] for p in _of(outcomes, event_id, "promoted")]
    assert promoted == [facts[1]["data"]["registration_id"], facts[2]["data"]["registration_id"]]

    lowered = cloudevent(
        "dk.tilmeld.event.changed.v1", definition | {"capacity": 1}, source="urn:tilmeld:e2e"
    )
    await producer.send(topics.CATALOG, event_id, lowered)
    late = await sign_up(producer, event_id, attendee(9, domain=f"{event_id}.dk"))
    [late_fact] = await _decided(outcomes, event_id, [late])
    assert _kind(late_fact) == "waitlisted"
    assert _of(outcomes, event_id, "cancelled") == []  # nobody lost a confirmed seat


async def test_cancelled_event_cancels_every_registration(
    producer: Producer, outcomes: Tail
) -> None:
    event_id = new_event_id()
    await publish_event(producer, conference(event_id, capacity=1))
    people = [attendee(i, domain=f"{event_id}.dk") for i in range(2)]
    facts = await _decided(
        outcomes, event_id, [await sign_up(producer, event_id, p) for p in people]
    )
    cancelled_event = cloudevent(
        "dk.tilmeld.event.cancelled.v1",
        {"event_id": event_id, "reason": "Aflyst pga. sygdom"},
        source="urn:tilmeld:e2e",
    )
    await producer.send(topics.CATALOG, event_id, cancelled_event)
    await eventually(lambda: len(_of(outcomes, event_id, "cancelled")) == 2, what="both cancelled")
    cancelled = _of(outcomes, event_id, "cancelled")
    assert {c["data"]["registration_id"] for c in cancelled} == {
        f["data"]["registration_id"] for f in facts
    }
    assert {c["data"]["reason"] for c in cancelled} == {"event_cancelled"}
    late = await sign_up(producer, event_id, attendee(7, domain=f"{event_id}.dk"))
    [late_fact] = await _decided(outcomes, event_id, [late])
    assert late_fact["data"]["reason"] == "unknown_event"


async def test_registration_window(producer: Producer, outcomes: Tail) -> None:
    now = datetime.now(UTC)
    closed, future = new_event_id(), new_event_id()
    await publish_event(
        producer,
        conference(
            closed,
            capacity=5,
            registration={
                "opens_at": (now - timedelta(days=10)).isoformat(),
                "closes_at": (now - timedelta(days=1)).isoformat(),
            },
        ),
    )
    await publish_event(
        producer,
        conference(
            future, capacity=5, registration={"opens_at": (now + timedelta(days=1)).isoformat()}
        ),
    )
    [too_late] = await _decided(
        outcomes, closed, [await sign_up(producer, closed, attendee(1, domain=f"{closed}.dk"))]
    )
    [too_early] = await _decided(
        outcomes, future, [await sign_up(producer, future, attendee(1, domain=f"{future}.dk"))]
    )
    assert too_late["data"]["reason"] == "registration_closed"
    assert too_early["data"]["reason"] == "registration_not_open"


async def test_unknown_event_is_rejected(producer: Producer, outcomes: Tail) -> None:
    event_id = new_event_id("ghost")
    [fact] = await _decided(
        outcomes,
        event_id,
        [await sign_up(producer, event_id, attendee(1, domain=f"{event_id}.dk"))],
    )
    assert fact["data"]["reason"] == "unknown_event"
