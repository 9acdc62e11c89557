"""The in-flight marker: committed before the relay gets the mail, gone with the outcome; a job
found with one was cut off mid-send and goes again with the same Message-ID (the SIGKILL of the
real process is in tests/e2e/test_notifications_exactly_once.py)."""

import asyncio
from typing import Any

import asyncpg
from prometheus_client import REGISTRY


async def test_the_marker_is_visible_during_the_send_and_gone_with_the_outcome(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    relay.data_delay = 0.5
    event = conference()
    await feed.publish(event)
    await feed.fact("confirmed", fact("confirmed", event.id))
    sending = asyncio.create_task(make_mailer(port).send_next())
    assert await asyncio.to_thread(relay.data_started.wait, 5)

    # Seen from outside while the relay holds the DATA: marked, not yet sent.
    row = await db.fetchrow(
        "SELECT j.status, f.started_at FROM mail_jobs j JOIN mail_in_flight f ON f.job_id = j.id"
    )
    assert row is not None and row["status"] == "pending"
    assert await sending is True
    assert await db.fetchval("SELECT count(*) FROM mail_in_flight") == 0
    assert await db.fetchval("SELECT status FROM mail_jobs") == "sent"


async def _left_in_flight(
    db: asyncpg.Pool, feed: Any, event: Any, fact: Any, *, delivered: bool
) -> Any:
    """One confirmed mail job with an in-flight row and no outcome; returns the job's id."""
    await feed.publish(event)
    await feed.fact("confirmed", fact("confirmed", event.id))
    job_id = await db.fetchval("SELECT id FROM mail_jobs")
    await db.execute(
        "INSERT INTO mail_in_flight (job_id, delivered_at)"
        " VALUES ($1, CASE WHEN $2 THEN now() END)",
        job_id,
        delivered,
    )
    return job_id


async def test_an_interrupted_job_is_sent_again_with_the_same_message_id(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    # What a process killed after marking and before committing leaves behind.
    job_id = await _left_in_flight(db, feed, conference(), fact, delivered=False)
    before = REGISTRY.get_sample_value("tilmeld_mail_interrupted_resends_total") or 0.0

    assert await make_mailer(port).send_next() is True

    [mail] = relay.received
    assert mail["Message-ID"] == f"<{job_id}@tilmeld>"
    job = await db.fetchrow("SELECT * FROM mail_jobs")
    assert (job["status"], job["resent_after_interruption"]) == ("sent", 1)
    assert await db.fetchval("SELECT count(*) FROM mail_in_flight") == 0
    assert (
        await db.fetchval("SELECT count(*) FROM outbox WHERE topic = 'tilmeld.notifications'") == 1
    )
    assert REGISTRY.get_sample_value("tilmeld_mail_interrupted_resends_total") == before + 1


async def test_a_job_the_relay_took_before_the_interruption_is_recorded_not_sent_again(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    # What a process killed after the relay took the mail and before the batch's commit leaves.
    job_id = await _left_in_flight(db, feed, conference(), fact, delivered=True)
    before = REGISTRY.get_sample_value("tilmeld_mail_interrupted_resends_total") or 0.0

    assert await make_mailer(port).send_next() is True

    assert relay.received == []
    job = await db.fetchrow("SELECT * FROM mail_jobs")
    assert (job["status"], job["message_id"], job["resent_after_interruption"]) == (
        "sent",
        f"<{job_id}@tilmeld>",
        0,
    )
    assert await db.fetchval("SELECT count(*) FROM mail_in_flight") == 0
    assert (
        await db.fetchval("SELECT count(*) FROM outbox WHERE topic = 'tilmeld.notifications'") == 1
    )
    assert (REGISTRY.get_sample_value("tilmeld_mail_interrupted_resends_total") or 0.0) == before


async def test_a_sent_mail_is_marked_delivered_before_its_batch_commits(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, smtp_relay: Any, make_mailer: Any
) -> None:
    relay, port = smtp_relay
    event = conference()
    await feed.publish(event)
    for n in range(2):
        await feed.fact(
            "confirmed",
            fact(
                "confirmed",
                event.id,
                attendee={
                    "name": f"Deltager {n}",
                    "email": f"p{n}@aarhus.dk",
                    "organisation": "Aarhus Kommune",
                },
            ),
        )
    relay.data_delay = (
        0.5  # every DATA is held: the first mail is delivered while the second is held
    )
    sending = asyncio.create_task(make_mailer(port, batch_size=10).send_next())
    assert await asyncio.to_thread(relay.data_started.wait, 5)
    relay.data_started.clear()
    assert await asyncio.to_thread(relay.data_started.wait, 5)  # the second mail's DATA

    marks = await db.fetch(
        "SELECT j.status, f.delivered_at IS NOT NULL AS delivered FROM mail_in_flight f"
        " JOIN mail_jobs j ON j.id = f.job_id ORDER BY j.seq"
    )
    assert [(m["status"], m["delivered"]) for m in marks] == [("pending", True), ("pending", False)]
    assert await sending is True
    assert await db.fetchval("SELECT count(*) FROM mail_in_flight") == 0
