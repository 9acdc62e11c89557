"""The mailer against real PostgreSQL and a real SMTP server (aiosmtpd on a free port)."""

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import orjson
import pytest

from notification.service import mailer as mailer_module
from notification.service.catalog import catalog_routes
from notification.service.registrations import registration_routes
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.testing import queued_records

FACT_TYPES = {
    "confirmed": "dk.tilmeld.registration.confirmed.v1",
    "waitlisted": "dk.tilmeld.registration.waitlisted.v1",
    "promoted": "dk.tilmeld.registration.promoted.v1",
    "rejected": "dk.tilmeld.registration.rejected.v1",
}


async def publish(db: asyncpg.Pool, record: Any, event: catalog.EventDefinition) -> None:
    await Pipeline(db, topics.CATALOG, catalog_routes()).process(
        record(topics.CATALOG, catalog.EVENT_PUBLISHED, event, key=event.id)
    )


async def announce(db: asyncpg.Pool, record: Any, kind: str, fact: Any) -> None:
    await Pipeline(db, topics.REGISTRATIONS, registration_routes()).process(
        record(
            topics.REGISTRATIONS,
            FACT_TYPES[kind],
            fact,
            key=fact.event_id,
            source="urn:tilmeld:registration",
        )
    )


async def job_of(db: asyncpg.Pool, fact: Any) -> asyncpg.Record:
    return await db.fetchrow(
        "SELECT * FROM mail_jobs WHERE registration_id = $1 ORDER BY seq", fact.registration_id
    )


async def notifications(db: asyncpg.Pool) -> list[dict[str, Any]]:
    records = [r for r in await queued_records(db) if r.topic == topics.NOTIFICATIONS]
    return [{**orjson.loads(r.value or b""), "key": (r.key or b"").decode()} for r in records]


async def eventually(check: Callable[[], Any], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_fact_is_mailed_once_and_reported_sent(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    mailer = make_mailer(port, poll_seconds=30)  # only NOTIFY can wake it in time
    await mailer.start()
    try:
        await asyncio.sleep(0.3)  # idle and listening
        event = conference()
        confirmed = fact("confirmed", event.id)
        await publish(db, record, event)
        await announce(db, record, "confirmed", confirmed)
        await eventually(lambda: _status_is(db, confirmed, "sent"))
    finally:
        await mailer.stop()

    job = await job_of(db, confirmed)
    [mail] = relay.received
    assert mail["Subject"] == "Bekræftelse af tilmelding: Konference om dagtilbud af høj kvalitet"
    assert mail["Message-ID"] == job["message_id"] == f"<{job['id']}@tilmeld>"
    assert mail["From"] == "Tilmeld <tilmeld@tilmeld.local>"
    assert mail["To"] == "Mette Hansen <mette@aarhus.dk>"
    # text and HTML as alternatives, and the calendar invitation beside them
    assert mail.get_content_type() == "multipart/mixed"
    assert [p.get_content_type() for p in mail.walk()][1:] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    [sent] = await notifications(db)
    assert (sent["type"], sent["key"], sent["subject"]) == (
        "dk.tilmeld.notification.sent.v1",
        event.id,
        confirmed.registration_id,
    )
    assert sent["data"] == {
        "notification_id": str(job["id"]),
        "registration_id": confirmed.registration_id,
        "event_id": event.id,
        "channel": "email",
        "template": "confirmed",
        "recipient": "mette@aarhus.dk",
        "message_id": job["message_id"],
    }
    assert await mailer.send_next() is False
    assert len(relay.received) == 1


async def test_a_refused_recipient_fails_at_once_without_retry(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    relay.refuse.add("ghost@aarhus.dk")
    event = conference()
    doomed = fact(
        "waitlisted",
        event.id,
        attendee={"name": "Ghost", "email": "ghost@aarhus.dk", "organisation": "Aarhus Kommune"},
    )
    await publish(db, record, event)
    await announce(db, record, "waitlisted", doomed)

    mailer = make_mailer(port)
    assert await mailer.send_next() is True
    assert await mailer.send_next() is False

    job = await job_of(db, doomed)
    assert (job["status"], job["attempts"]) == ("failed", 1)
    assert job["last_error"].startswith("recipient_refused: 550")
    assert relay.rcpt_attempts == ["ghost@aarhus.dk"] and relay.received == []
    [failed] = await notifications(db)
    assert failed["type"] == "dk.tilmeld.notification.failed.v1"
    assert failed["data"]["reason"] == "recipient_refused"
    assert "550" in failed["data"]["detail"] and failed["data"]["template"] == "waitlisted"


async def test_a_transient_answer_is_retried_until_the_mail_goes_through(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    relay.data_answers = ["451 4.3.0 Try again later", "452 4.3.1 Insufficient storage"]
    event = conference()
    confirmed = fact("confirmed", event.id)
    await publish(db, record, event)
    await announce(db, record, "confirmed", confirmed)

    assert await make_mailer(port, send_attempts=3).send_next() is True

    job = await job_of(db, confirmed)
    assert (job["status"], relay.data_attempts, len(relay.received)) == ("sent", 3, 1)
    assert [n["type"] for n in await notifications(db)] == ["dk.tilmeld.notification.sent.v1"]


async def test_a_job_that_keeps_failing_waits_while_others_go_then_gives_up(
    db: asyncpg.Pool,
    record: Any,
    conference: Any,
    fact: Any,
    smtp_relay: Any,
    make_mailer: Any,
    clock: Any,
) -> None:
    relay, port = smtp_relay
    event = conference()
    stuck, other = fact("confirmed", event.id), fact("confirmed", event.id)
    await publish(db, record, event)
    await announce(db, record, "confirmed", stuck)
    await announce(db, record, "confirmed", other)
    mailer = make_mailer(port, send_attempts=1, max_attempts=2, batch_size=1)  # a call each

    relay.data_answers = ["421 4.7.0 Too busy, come back later"]
    assert await mailer.send_next() is True  # stuck: put back for ~60 s
    assert await mailer.send_next() is True  # other: not held up by it
    assert await mailer.send_next() is False
    job = await job_of(db, stuck)
    assert (job["status"], job["attempts"]) == ("pending", 1)
    assert "421" in job["last_error"] and job["next_attempt_at"] > datetime.now(UTC)
    assert (await job_of(db, other))["status"] == "sent"

    clock.ahead = timedelta(minutes=5)
    relay.data_answers = ["451 4.3.0 Still busy"]
    assert await mailer.send_next() is True
    job = await job_of(db, stuck)
    assert (job["status"], job["attempts"]) == ("failed", 2)
    assert job["last_error"].startswith("retries_exhausted: 451")
    assert [n["data"].get("reason") for n in await notifications(db)] == [None, "retries_exhausted"]


async def test_an_unreachable_relay_is_a_passing_problem(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, make_mailer: Any, closed_port: int
) -> None:
    event = conference()
    confirmed = fact("confirmed", event.id)
    await publish(db, record, event)
    await announce(db, record, "confirmed", confirmed)

    assert await make_mailer(closed_port, send_attempts=2).send_next() is True

    job = await job_of(db, confirmed)
    assert (job["status"], job["attempts"]) == ("pending", 1)
    assert "connect" in job["last_error"].lower()
    assert await notifications(db) == []


async def test_mails_wait_for_their_event_except_rejections(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    event = conference()
    confirmed = fact("confirmed", event.id)
    unknown = fact("rejected", "findes-ikke", reason="unknown_event", detail="no such event")
    await announce(db, record, "confirmed", confirmed)
    await announce(db, record, "rejected", unknown)
    mailer = make_mailer(port)

    assert await mailer.send_next() is True
    assert await mailer.send_next() is False  # confirmed waits for the catalog
    assert [m["Subject"] for m in relay.received] == ["Tilmelding ikke mulig: findes-ikke"]

    await publish(db, record, event)
    assert await mailer.send_next() is True
    assert (await job_of(db, confirmed))["status"] == "sent"


async def test_a_later_mail_never_overtakes_an_earlier_one_of_the_same_registration(
    db: asyncpg.Pool,
    record: Any,
    conference: Any,
    fact: Any,
    smtp_relay: Any,
    make_mailer: Any,
    clock: Any,
) -> None:
    relay, port = smtp_relay
    event = conference()
    waitlisted = fact("waitlisted", event.id)
    promoted = fact("promoted", event.id, registration_id=waitlisted.registration_id)
    await publish(db, record, event)
    await announce(db, record, "waitlisted", waitlisted)
    await announce(db, record, "promoted", promoted)
    mailer = make_mailer(port, send_attempts=1)

    relay.data_answers = ["451 4.3.0 Try again later"]
    assert await mailer.send_next() is True
    assert await mailer.send_next() is False  # promoted waits behind waitlisted
    clock.ahead = timedelta(minutes=5)
    assert await mailer.send_next() is True and await mailer.send_next() is True
    assert [m["Subject"].split(":")[0] for m in relay.received] == [
        "Du er på venteliste",
        "Du har fået en plads",
    ]


async def test_stopping_finishes_the_mail_in_flight(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    relay.data_delay = 1.0
    event = conference()
    confirmed = fact("confirmed", event.id)
    await publish(db, record, event)
    await announce(db, record, "confirmed", confirmed)
    mailer = make_mailer(port)

    await mailer.start()
    assert await asyncio.to_thread(relay.data_started.wait, 5)
    await mailer.stop()

    assert (await job_of(db, confirmed))["status"] == "sent"
    assert len(relay.received) == 1 and len(await notifications(db)) == 1


async def _status_is(db: asyncpg.Pool, fact: Any, status: str) -> bool:
    job = await job_of(db, fact)
    return job is not None and job["status"] == status


@pytest.mark.parametrize(("rescan_seconds", "order"), [(60.0, "abx"), (0.0, "axb")])
async def test_a_job_before_the_mark_goes_after_the_rest_or_at_the_next_look_from_the_start(
    db: asyncpg.Pool,
    record: Any,
    conference: Any,
    fact: Any,
    smtp_relay: Any,
    make_mailer: Any,
    monkeypatch: pytest.MonkeyPatch,
    rescan_seconds: float,
    order: str,
) -> None:
    """x becomes sendable (its event arrives) after a later job set the mailer's mark: it waits
    for the claim from the start, which comes when nothing is left after the mark or when
    RESCAN_SECONDS have passed (0 here: every claim looks from the start)."""
    monkeypatch.setattr(mailer_module, "RESCAN_SECONDS", rescan_seconds)
    relay, port = smtp_relay
    first, later = conference(title="Første"), conference(title="Senere")
    named = {
        "x": fact("confirmed", later.id, attendee=_attendee("x")),
        "a": fact("confirmed", first.id, attendee=_attendee("a")),
        "b": fact("confirmed", first.id, attendee=_attendee("b")),
    }
    for name in "xab":  # jobs in this order; x waits for its event
        await announce(db, record, "confirmed", named[name])
    await publish(db, record, first)
    mailer = make_mailer(port, batch_size=1)  # one job per call, to see the order

    assert await mailer.send_next() is True  # a: x's event is unknown
    await publish(db, record, later)
    assert await mailer.send_next() is True and await mailer.send_next() is True
    assert await mailer.send_next() is False
    assert "".join(m["To"][0] for m in relay.received) == order


def _attendee(name: str) -> dict[str, str]:
    return {"name": name, "email": f"{name}@aarhus.dk", "organisation": "Aarhus Kommune"}


def _person(n: int) -> dict[str, str]:
    return {"name": f"Deltager {n}", "email": f"p{n}@aarhus.dk", "organisation": "Aarhus Kommune"}


async def test_one_transaction_sends_a_batch_and_records_each_mail_once(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    event = conference()
    await publish(db, record, event)
    facts = [fact("confirmed", event.id, attendee=_person(n)) for n in range(4)]
    for confirmed in facts:
        await announce(db, record, "confirmed", confirmed)
    refused = fact("waitlisted", event.id, attendee=_person(9))
    relay.refuse.add(refused.attendee.email)
    await announce(db, record, "waitlisted", refused)
    mailer = make_mailer(port, batch_size=10)

    assert await mailer.send_next() is True  # all five in one claim
    assert await mailer.send_next() is False

    assert [str(m["To"]) for m in relay.received] == [
        f"Deltager {n} <p{n}@aarhus.dk>" for n in range(4)
    ]
    jobs = [await job_of(db, f) for f in facts]
    assert [(j["status"], j["attempts"], j["message_id"]) for j in jobs] == [
        ("sent", 1, f"<{j['id']}@tilmeld>") for j in jobs
    ]
    assert (await job_of(db, refused))["status"] == "failed"
    reported = await notifications(db)
    assert sorted(
        (n["type"].split(".")[-2], n["data"]["notification_id"]) for n in reported
    ) == sorted(
        [("sent", str(j["id"])) for j in jobs]
        + [("failed", str((await job_of(db, refused))["id"]))]
    )
    assert await db.fetchval("SELECT count(*) FROM mail_in_flight") == 0


async def test_a_stop_mid_batch_finishes_the_mail_in_flight_and_leaves_the_rest_pending(
    db: asyncpg.Pool, record: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    relay.data_delay = 1.0
    event = conference()
    await publish(db, record, event)
    facts = [fact("confirmed", event.id, attendee=_person(n)) for n in range(3)]
    for confirmed in facts:
        await announce(db, record, "confirmed", confirmed)
    mailer = make_mailer(port, batch_size=10)

    await mailer.start()
    assert await asyncio.to_thread(relay.data_started.wait, 5)
    await mailer.stop()

    assert [(await job_of(db, f))["status"] for f in facts] == ["sent", "pending", "pending"]
    assert len(relay.received) == 1 and len(await notifications(db)) == 1
    assert await db.fetchval("SELECT count(*) FROM mail_in_flight") == 0
