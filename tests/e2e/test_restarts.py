"""Restarting services mid-stream loses nothing and doubles nothing."""

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
from tests.e2e.services import ServiceProcess

SIGNUPS, SEATS = 150, 40


def _distinct(facts: list[dict[str, object]]) -> list[dict[str, object]]:
    """A consumer dedupes by (source, id): a republished record is the same fact."""
    seen: dict[tuple[object, object], dict[str, object]] = {}
    for fact in facts:
        seen.setdefault((fact["source"], fact["id"]), fact)
    return list(seen.values())


async def test_killing_and_restarting_services_mid_stream_loses_nothing(
    producer: Producer, outcomes: Tail, mailbox: Mailbox, services: dict[str, ServiceProcess]
) -> None:
    event_id = new_event_id("restart")
    await publish_event(producer, conference(event_id, capacity=SEATS))
    people = [attendee(i, domain=f"{event_id}.dk") for i in range(SIGNUPS)]
    request_ids = [await sign_up(producer, event_id, p) for p in people[: SIGNUPS // 2]]

    await eventually(lambda: len(outcomes.events(event_id)) >= 10, what="first outcomes")
    services["registration"].kill()  # a crash: no graceful shutdown
    services["capacity"].stop()  # a deploy: graceful
    request_ids += [await sign_up(producer, event_id, p) for p in people[SIGNUPS // 2 :]]
    services["capacity"].restart()
    services["registration"].restart()

    await eventually(
        lambda: len(_distinct(outcomes.events(event_id))) >= SIGNUPS,
        timeout=120,
        what="every sign-up decided",
    )
    facts = _distinct(outcomes.events(event_id))
    per_request = [outcome_for(facts, rid) for rid in request_ids]
    assert [len(f) for f in per_request] == [1] * SIGNUPS, "exactly one outcome per sign-up"
    kinds = [f[0]["type"].rsplit(".", 2)[-2] for f in per_request]  # type: ignore[union-attr]
    assert kinds == ["confirmed"] * SEATS + ["waitlisted"] * (SIGNUPS - SEATS)
    positions = [f[0]["data"]["position"] for f in per_request[SEATS:]]  # type: ignore[index]
    assert positions == list(range(1, SIGNUPS - SEATS + 1)), "waitlist in arrival order"

    title = f"Konference om dagtilbud {event_id}"
    await eventually(lambda: len(mailbox.about(title)) >= SIGNUPS, timeout=120, what="mails")
    assert all(len(mailbox.to(p["email"])) == 1 for p in people), "one mail per attendee"
