"""The offer timer against the real PostgreSQL, each test on a schema of its own: a due timer
becomes an expire-offer command in the outbox, keyed by the event, at most once; it survives
a restart; and it fires on time. The capacity consumer is the real pipeline, fed the outbox's
commands as Kafka would deliver them."""

import asyncio
import time
from datetime import UTC, datetime, timedelta

import orjson
from aiokafka.structs import ConsumerRecord

from capacity.adapters import offer_timers
from capacity.adapters.offer_timers import CHANNEL
from capacity.service.handlers import routes
from capacity.service.offer_timer import OfferTimer
from capacity.service.translate import TIMER_SOURCE
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import encode, new_event
from tilmeld_contracts.internal import capacity_v1 as contract
from tilmeld_contracts.internal.bundle_v1 import events_in
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.testing import consumer_record
from tilmeld_runtime.wakeup import WakeSignal

EVENT = "konference"
START = datetime(2023, 9, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test sets: `clock()` is `now`."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def deliver(pipeline: Pipeline, type_: str, data, *, source="urn:tilmeld:registration"):
    event = new_event(
        type=type_, source=source, id=f"{type_}/{data}", time=START, subject=None, data=data
    )
    await pipeline.process(record(EVENT, encode(event)))


def record(key: str, value: bytes) -> ConsumerRecord:
    return consumer_record(topics.CAPACITY_COMMANDS, key.encode(), value)


async def take_outbox(pool, topic: str) -> list[tuple[str, dict]]:
    """(key, CloudEvent) of the outbox rows for `topic`, removed as the relay would."""
    rows = await pool.fetch("DELETE FROM outbox WHERE topic = $1 RETURNING seq, key, value", topic)
    return [
        (r["key"].decode(), event)
        for r in sorted(rows, key=lambda r: r[0])
        for event in events_in(orjson.loads(r["value"]))
    ]


async def offer_event(pipeline: Pipeline, hours: int = 1, waiting: str = "b") -> None:
    """A one-seat event in offer mode where `a` holds and `waiting` wait; then `a` leaves."""
    definition = {
        "id": EVENT,
        "kind": "conference",
        "title": "Dagtilbud",
        "organiser": "STUK",
        "capacity": 1,
        "starts_at": "2023-10-03T09:00:00+02:00",
        "ends_at": "2023-10-03T15:30:00+02:00",
        "waitlist": {"promotion": "offer", "offer_hours": hours},
    }
    await deliver(pipeline, contract.DEFINE_EVENT, contract.DefineEvent(event=definition))
    for rid in "a" + waiting:
        seat = contract.RequestSeat(event_id=EVENT, registration_id=rid, organisation_key="kl")
        await deliver(pipeline, contract.REQUEST_SEAT, seat)
    release = contract.ReleaseSeat(event_id=EVENT, registration_id="a", reason="by_attendee")
    await deliver(pipeline, contract.RELEASE_SEAT, release)


def timer_of(pool, dsn: str, clock) -> OfferTimer:
    return OfferTimer(pool, WakeSignal(dsn, CHANNEL), clock=clock)


def released(decisions: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    return [
        (e["data"]["registration_id"], e["data"]["reason"])
        for _, e in decisions
        if e["type"] == contract.SEAT_RELEASED
    ]


async def test_a_due_timer_becomes_one_expire_offer_command(private_pool, dsn):
    clock = Clock(START)
    pipeline = Pipeline(private_pool, topics.CAPACITY_COMMANDS, routes(), clock=clock)
    await offer_event(pipeline)
    [(_, offered)] = [
        d
        for d in await take_outbox(private_pool, topics.CAPACITY_DECISIONS)
        if d[1]["type"] == contract.SEAT_OFFERED
    ]
    deadline = START + timedelta(hours=1)
    assert datetime.fromisoformat(offered["data"]["expires_at"]) == deadline

    timer = timer_of(private_pool, dsn, clock)
    clock.now = deadline - timedelta(microseconds=1)
    assert await timer.fire_due() == 0
    clock.now = deadline
    assert await timer.fire_due() == 1
    assert await timer.fire_due() == 0  # fired once: the row went in the same transaction
    async with private_pool.acquire() as conn:
        assert await offer_timers.timers_of(conn, EVENT) == []
    [(key, command)] = await take_outbox(private_pool, topics.CAPACITY_COMMANDS)
    assert key == EVENT and command["type"] == contract.EXPIRE_OFFER
    assert command["source"] == TIMER_SOURCE and command["subject"] == "b"
    expiry = contract.ExpireOffer.model_validate(command["data"])
    assert (expiry.event_id, expiry.registration_id, expiry.expires_at) == (EVENT, "b", deadline)

    value = orjson.dumps(command)
    await pipeline.process(record(EVENT, value))
    assert released(await take_outbox(private_pool, topics.CAPACITY_DECISIONS)) == [
        ("b", "offer_expired")
    ]
    await pipeline.process(record(EVENT, value))  # republished by the relay: a duplicate
    assert await take_outbox(private_pool, topics.CAPACITY_DECISIONS) == []


async def test_timers_survive_a_restart(private_pool, dsn):
    clock = Clock(START)
    pipeline = Pipeline(private_pool, topics.CAPACITY_COMMANDS, routes(), clock=clock)
    before = timer_of(private_pool, dsn, clock)
    await before.start()
    await offer_event(pipeline)
    await before.stop()  # the service goes down before the offer expires ...
    clock.now = START + timedelta(hours=3)  # ... and comes back after
    after = timer_of(private_pool, dsn, clock)
    started = time.perf_counter()
    await after.start()
    try:
        [(_, command)] = await until_in_outbox(private_pool, topics.CAPACITY_COMMANDS)
        assert command["data"]["registration_id"] == "b"
        assert time.perf_counter() - started < 1  # at start, not after a poll interval
    finally:
        await after.stop()


async def test_an_offer_expires_within_a_second_of_its_deadline(private_pool, dsn):
    """Deadline → seat-released decision in the outbox, through the running timer and the
    real consumer. The offer is made "an hour minus LEAD ago" by the consumer's clock, so it
    expires LEAD seconds from now by the timer's real one; three offers expire in a row."""
    lead = timedelta(seconds=0.5)
    clock = lambda: datetime.now(UTC) - timedelta(hours=1) + lead  # noqa: E731
    pipeline = Pipeline(private_pool, topics.CAPACITY_COMMANDS, routes(), clock=clock)
    timer = timer_of(private_pool, dsn, lambda: datetime.now(UTC))
    await timer.start()
    try:
        await offer_event(pipeline, waiting="bcd")
        decided = await until_in_outbox(private_pool, topics.CAPACITY_DECISIONS)
        delays, lateness = [], []
        for rid in "bcd":
            [offered] = of_type(decided, contract.SEAT_OFFERED)
            deadline = datetime.fromisoformat(offered["data"]["expires_at"])
            [(_, command)] = await until_in_outbox(private_pool, topics.CAPACITY_COMMANDS)
            lateness.append((datetime.fromisoformat(command["time"]) - deadline).total_seconds())
            await pipeline.process(record(EVENT, orjson.dumps(command)))
            decided = await until_in_outbox(private_pool, topics.CAPACITY_DECISIONS)
            delays.append((datetime.now(UTC) - deadline).total_seconds())
            [fact] = of_type(decided, contract.SEAT_RELEASED)
            assert (fact["data"]["registration_id"], fact["data"]["reason"]) == (
                rid,
                "offer_expired",
            )
    finally:
        await timer.stop()
    print(f"offer timer lateness {lateness}, deadline → seat released {delays} seconds")
    assert all(0 <= seconds < 1.0 for seconds in lateness)
    assert all(0 <= seconds < 2.0 for seconds in delays)


def of_type(rows: list[tuple[str, dict]], type_: str) -> list[dict]:
    return [event for _, event in rows if event["type"] == type_]


async def until_in_outbox(pool, topic: str, timeout: float = 5.0) -> list[tuple[str, dict]]:
    """Wait for outbox rows on `topic`; take them."""
    deadline = time.monotonic() + timeout
    while True:
        found = await take_outbox(pool, topic)
        if found:
            return found
        assert time.monotonic() < deadline, f"nothing on {topic} in {timeout}s"
        await asyncio.sleep(0.005)
