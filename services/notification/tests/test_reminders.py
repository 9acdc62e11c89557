"""Reminders: when they are due (pure), and the durable schedule on real PostgreSQL firing after
a restart into a real SMTP server; none for cancelled people or a cancelled event."""

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from notification.domain.reminders import Slot, decide_due, slots_for
from notification.service.reminder_scheduler import ReminderScheduler

NOW = datetime(2023, 9, 1, 12, 0, tzinfo=UTC)


def test_by_default_seven_and_one_day_before_and_never_in_the_past(conference: Any) -> None:
    event = conference(
        starts_at="2023-09-05T09:00:00+02:00", ends_at="2023-09-05T15:00:00+02:00", rounds=[]
    )
    [slot] = slots_for(event, NOW)  # the 7-day one was due on 29 August
    assert (slot.part_id, slot.days_before) == ("event", 1)
    assert slot.due_at == datetime(2023, 9, 4, 7, 0, tzinfo=UTC)
    assert [s.days_before for s in slots_for(event, NOW - timedelta(days=30))] == [7, 1]


def test_per_event_days_and_none_at_all(conference: Any) -> None:
    assert [s.days_before for s in slots_for(conference(reminders=[14, 2, 0]), NOW)] == [14, 2, 0]
    assert slots_for(conference(reminders=[]), NOW) == []


def test_a_network_is_reminded_of_each_meeting(network: Any) -> None:
    slots = slots_for(network(), datetime(2023, 12, 1, tzinfo=UTC))
    assert [(s.part_id, s.days_before) for s in slots] == [
        ("moede-1", 7),
        ("moede-1", 1),
        ("moede-2", 7),
        ("moede-2", 1),
    ]


def test_slots_that_piled_up_send_the_nearest_only_and_nothing_once_begun() -> None:
    start = NOW + timedelta(hours=5)
    week, day = (Slot("e", "event", d, start - timedelta(days=d), start) for d in (7, 1))
    begun = Slot("e", "moede-1", 1, NOW - timedelta(days=1), NOW - timedelta(hours=1))
    assert decide_due([week, day, begun], NOW) == [
        (day, "send"),
        (week, "superseded"),
        (begun, "too_late"),
    ]


async def test_the_schedule_survives_a_restart_and_skips_the_cancelled(
    db: asyncpg.Pool,
    feed: Any,
    conference: Any,
    fact: Any,
    clock: Any,
    smtp_relay: Any,
    make_mailer: Any,
    wait_until: Any,
) -> None:
    relay, port = smtp_relay
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    event = conference(
        starts_at=start.isoformat(), ends_at=(start + timedelta(hours=6)).isoformat(), rounds=[]
    )
    staying, leaving = (
        fact("confirmed", event.id),
        fact(
            "confirmed",
            event.id,
            attendee={
                "name": "Jens Jensen",
                "email": "jens@aarhus.dk",
                "organisation": "Aarhus Kommune",
            },
        ),
    )

    # The first instance learns the event and who has a seat; nothing is due yet.
    first = ReminderScheduler(db, clock, poll_seconds=0.05)
    await first.start()
    await feed.publish(event)
    await feed.fact("confirmed", staying)
    await feed.fact("confirmed", leaving)
    await feed.fact(
        "cancelled",
        fact(
            "cancelled",
            event.id,
            registration_id=leaving.registration_id,
            attendee=leaving.attendee.model_dump(),
            reason="by_attendee",
        ),
    )
    assert await first.fire_due() == 0
    await first.stop()
    assert (
        await db.fetchval(
            "SELECT count(*) FROM reminder_slots WHERE event_id = $1 AND fired_at IS NULL", event.id
        )
        == 1
    )  # 1 day before

    # Two and a half days later a new instance (scheduler and mailer) starts.
    clock.ahead = timedelta(days=2, hours=12)
    second, mailer = ReminderScheduler(db, clock, poll_seconds=0.05), make_mailer(port)
    await second.start()
    await mailer.start()
    try:
        await wait_until(lambda: _reminded(relay, event.title))
    finally:
        await second.stop()
        await mailer.stop()
    reminders = [m for m in relay.received if m["Subject"].startswith("Påmindelse")]
    assert [m["To"] for m in reminders] == ["Mette Hansen <mette@aarhus.dk>"]
    slot = await db.fetchrow("SELECT * FROM reminder_slots WHERE event_id = $1", event.id)
    assert (slot["outcome"], slot["recipients"]) == ("send", 1)


async def test_a_cancelled_event_and_a_moved_one_reschedule(
    db: asyncpg.Pool, feed: Any, conference: Any
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    event = conference(
        starts_at=start.isoformat(), ends_at=(start + timedelta(hours=6)).isoformat(), rounds=[]
    )
    await feed.publish(event)
    later = start + timedelta(days=7)
    await feed.publish(
        conference(
            id=event.id,
            starts_at=later.isoformat(),
            ends_at=(later + timedelta(hours=6)).isoformat(),
            rounds=[],
            reminders=[2],
        ),
        changed=True,
    )
    due = await db.fetch(
        "SELECT days_before, due_at FROM reminder_slots WHERE event_id = $1", event.id
    )
    assert [(r["days_before"], r["due_at"]) for r in due] == [(2, later - timedelta(days=2))]
    await feed.cancel_event(event.id, "Aflyst")
    assert (
        await db.fetchval("SELECT count(*) FROM reminder_slots WHERE event_id = $1", event.id) == 0
    )


async def _reminded(relay: Any, title: str) -> bool:
    return any(m["Subject"] == f"Påmindelse: {title}" for m in relay.received)
