"""The two pipelines on real PostgreSQL: catalog → events, registration facts → mail jobs."""

from typing import Any

import asyncpg
import orjson

from notification.service.catalog import catalog_routes
from notification.service.registrations import job_id_for, registration_routes
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_contracts.registration import v1 as registration
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.testing import queued_records


async def outbox(pool: asyncpg.Pool) -> list[tuple[str, bytes, Any, dict[str, bytes]]]:
    return [
        (
            r.topic,
            r.key,
            orjson.loads(r.value or b"") if r.topic != topics.DEADLETTER else r.value,
            r.headers,
        )
        for r in await queued_records(pool)
    ]


async def test_each_fact_becomes_one_job_even_when_delivered_twice(
    db: asyncpg.Pool, record: Any, fact: Any
) -> None:
    facts = Pipeline(db, topics.REGISTRATIONS, registration_routes())
    confirmed = fact("confirmed", "some-event")
    message = record(
        topics.REGISTRATIONS,
        registration.CONFIRMED,
        confirmed,
        key="some-event",
        source="urn:tilmeld:registration",
        id="fact-1",
    )
    await facts.process(message)
    await facts.process(message)

    jobs = await db.fetch("SELECT * FROM mail_jobs")
    assert len(jobs) == 1
    job = jobs[0]
    assert job["id"] == job_id_for("urn:tilmeld:registration", "fact-1")
    assert (job["status"], job["template"], job["recipient"]) == (
        "pending",
        "confirmed",
        "mette@aarhus.dk",
    )
    assert job["registration_id"] == confirmed.registration_id
    assert await outbox(db) == []


async def test_a_rejection_without_a_valid_address_is_skipped_and_reported(
    db: asyncpg.Pool, record: Any, fact: Any
) -> None:
    facts = Pipeline(db, topics.REGISTRATIONS, registration_routes())
    rejected = fact(
        "rejected",
        "some-event",
        reason="invalid_request",
        detail="attendee.email: not an email",
        attendee={"email": "mette(at)aarhus"},
    )
    await facts.process(
        record(
            topics.REGISTRATIONS,
            registration.REJECTED,
            rejected,
            key="some-event",
            source="urn:tilmeld:registration",
            id="fact-2",
        )
    )

    job = await db.fetchrow("SELECT * FROM mail_jobs")
    assert (job["status"], job["recipient"]) == ("skipped", None)
    [(topic, key, event, _)] = await outbox(db)
    assert (topic, key, event["type"]) == (
        topics.NOTIFICATIONS,
        b"some-event",
        "dk.tilmeld.notification.failed.v1",
    )
    assert event["data"]["reason"] == "no_recipient"
    assert event["data"]["recipient"] == "mette(at)aarhus"
    assert event["data"]["notification_id"] == str(job["id"])
    assert event["subject"] == rejected.registration_id


async def test_a_rejection_with_a_readable_address_is_mailed(
    db: asyncpg.Pool, record: Any, fact: Any
) -> None:
    facts = Pipeline(db, topics.REGISTRATIONS, registration_routes())
    rejected = fact(
        "rejected",
        "nope",
        reason="invalid_request",
        detail="attendee.name: missing",
        attendee={"email": "Mette@Aarhus.dk"},
    )
    await facts.process(record(topics.REGISTRATIONS, registration.REJECTED, rejected, key="nope"))
    assert await db.fetchval("SELECT recipient FROM mail_jobs WHERE status = 'pending'") == (
        "Mette@aarhus.dk"
    )


async def test_enrolment_is_accepted_without_a_mail(db: asyncpg.Pool, record: Any) -> None:
    facts = Pipeline(db, topics.REGISTRATIONS, registration_routes())
    enrolled = {
        "event_id": "e",
        "organisation": "Aarhus Kommune",
        "registration_id": "r",
        "fee_dkk": 500,
    }
    await facts.process(
        record(
            topics.REGISTRATIONS,
            registration.ORGANISATION_ENROLLED,
            enrolled,
            key="e",
            id="enrolled-1",
        )
    )
    assert await db.fetchval("SELECT count(*) FROM mail_jobs") == 0
    assert await db.fetchval("SELECT count(*) FROM inbox WHERE id = 'enrolled-1'") == 1
    assert await outbox(db) == []


async def test_invalid_data_is_dead_lettered_on_both_topics(db: asyncpg.Pool, record: Any) -> None:
    await Pipeline(db, topics.REGISTRATIONS, registration_routes()).process(
        record(topics.REGISTRATIONS, registration.WAITLISTED, {"event_id": "e"}, key="e")
    )
    await Pipeline(db, topics.CATALOG, catalog_routes()).process(
        record(topics.CATALOG, catalog.EVENT_PUBLISHED, {"id": "Not A Slug"}, key="x", offset=1)
    )
    letters = await outbox(db)
    assert [(t, h["tilmeld-error"]) for t, _, _, h in letters] == [
        (topics.DEADLETTER, b"invalid_data"),
        (topics.DEADLETTER, b"invalid_data"),
    ]
    assert await db.fetchval("SELECT count(*) FROM mail_jobs") == 0


async def test_the_catalog_keeps_the_latest_definition_and_cancellations(
    db: asyncpg.Pool, record: Any, conference: Any
) -> None:
    events = Pipeline(db, topics.CATALOG, catalog_routes())
    first = conference()
    cancelled = catalog.EventCancelled(event_id=first.id, reason="For få tilmeldte")
    await events.process(record(topics.CATALOG, catalog.EVENT_CANCELLED, cancelled, key=first.id))
    assert await db.fetchval("SELECT definition FROM events WHERE event_id = $1", first.id) is None

    await events.process(record(topics.CATALOG, catalog.EVENT_PUBLISHED, first, key=first.id))
    changed = first.model_copy(update={"title": "Ny titel", "language": "en"})
    await events.process(record(topics.CATALOG, catalog.EVENT_CHANGED, changed, key=first.id))
    row = await db.fetchrow("SELECT * FROM events WHERE event_id = $1", first.id)
    assert (row["title"], row["language"], row["kind"]) == ("Ny titel", "en", "conference")
    assert orjson.loads(row["definition"])["rounds"][0]["sessions"][0]["id"] == "temamoede-1"
    assert row["cancel_reason"] == "For få tilmeldte" and row["cancelled_at"] is not None
