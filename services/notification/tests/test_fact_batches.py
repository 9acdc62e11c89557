"""Registration facts handled set-based, a consumed batch at a time, on real PostgreSQL: the same
mail jobs, contexts, registrations and webhook deliveries as one fact per transaction; a replay
adds nothing; no webhook work, and no wake-up of the sender, without subscriptions."""

import random
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import asyncpg
import orjson
import pytest

from notification.adapters import new_jobs, registrations_table
from notification.bootstrap import MIGRATIONS
from notification.domain.kinds import BULK_LANE
from notification.service import webhook_outbox
from notification.service.registrations import prepare_facts, registration_routes
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.registration import v1 as registration
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.testing import private_schema_pool, queued_records

from .conftest import FACT_TYPES, cloud_record

Record = Any
EVENT = "stuk-dagtilbud-2023"
FAILED = "dk.tilmeld.notification.failed.v1"
SESSIONS = [{"runde-1": f"temamoede-{n}", "runde-2": None} for n in (1, 2, 3)]


@pytest.fixture
async def other_db(dsn: str) -> AsyncIterator[asyncpg.Pool]:
    async with private_schema_pool(dsn, MIGRATIONS) as pool:
        yield pool


def pipeline(pool: asyncpg.Pool, *, prepared: bool = True) -> Pipeline:
    prepare = prepare_facts if prepared else None
    return Pipeline(pool, topics.REGISTRATIONS, registration_routes(), prepare=prepare)


def as_records(facts: Sequence[tuple[str, Any]]) -> list[Record]:
    return [
        cloud_record(
            topics.REGISTRATIONS,
            FACT_TYPES.get(kind, kind),
            data,
            key=EVENT,
            source="urn:tilmeld:registration",
            id=f"fact-{n}",
            offset=n,
        )
        for n, (kind, data) in enumerate(facts)
    ]


def story(fact: Callable[..., Any]) -> list[tuple[str, Any]]:
    """r1 is known from before and has a reminder pending; r2 and r3 are new."""

    def of(kind: str, rid: str, **extra: Any) -> tuple[str, Any]:
        return kind, fact(kind, EVENT, registration_id=rid, **extra)

    enrolled = {"event_id": EVENT, "organisation": "Aarhus Kommune", "registration_id": "r2"}
    return [
        of("waitlisted", "r2"),
        of("session_changed", "r1", sessions=SESSIONS[1]),
        of("offered", "r2"),
        of("rejected", "r4", reason="invalid_request", attendee={"email": "mette(at)aarhus"}),
        of("promoted", "r2", sessions=SESSIONS[2]),
        of("cancelled", "r3", reason="event_cancelled"),
        of("cancelled", "r1", reason="by_attendee"),
        of("cancelled", "r3", reason="by_organiser"),
        of("rejected", "r2", reason="already_registered"),
        (registration.ORGANISATION_ENROLLED, {**enrolled, "fee_dkk": 500}),
    ]


async def known_before(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        attendee = {"name": "Mette Hansen", "email": "mette@aarhus.dk"}
        await registrations_table.save(conn, "r1", EVENT, "confirmed", attendee, SESSIONS[0])
        reminder = new_jobs.NewJob(
            id=uuid.uuid5(uuid.NAMESPACE_URL, "reminder/r1"),
            fact_source="urn:test:reminders",
            fact_id="slot-1/r1",
            fact_type="reminder",
            template="reminder",
            event_id=EVENT,
            registration_id="r1",
            recipient="mette@aarhus.dk",
            fact={},
            lane=BULK_LANE,
        )
        await new_jobs.insert_many(conn, [reminder])


async def state(pool: asyncpg.Pool) -> dict[str, Any]:
    jobs = await pool.fetch(
        "SELECT id, template, registration_id, recipient, fact::text, context::text, lane,"
        " status, last_error FROM mail_jobs ORDER BY seq"
    )
    views = await pool.fetch(
        "SELECT registration_id, event_id, status, attendee::text, sessions::text"
        " FROM registrations ORDER BY registration_id"
    )
    sent = await queued_records(pool)
    return {
        "jobs": [tuple(r) for r in jobs],
        "registrations": [tuple(r) for r in views],
        "outbox": [(e["type"], e["data"]) for e in (orjson.loads(r.value or b"") for r in sent)],
    }


async def test_a_batch_leaves_what_one_fact_per_transaction_leaves(
    db: asyncpg.Pool, other_db: asyncpg.Pool, dsn: str, fact: Any
) -> None:
    records = as_records(story(fact))
    await known_before(db)
    await known_before(other_db)
    await pipeline(db).process_batch(records)
    for record in records:
        await pipeline(other_db).process(record)

    batched, one_by_one = await state(db), await state(other_db)
    assert batched == one_by_one
    contexts = {(j[2], j[1]): orjson.loads(j[5]) for j in batched["jobs"]}
    assert contexts[("r1", "session_changed")]["sessions_before"] == SESSIONS[0]
    assert contexts[("r2", "promoted")]["status_before"] == "offered"
    assert contexts[("r2", "offered")]["status_before"] == "waitlisted"
    statuses = {(j[2], j[1], j[6]): (j[7], j[8]) for j in batched["jobs"]}
    assert statuses[("r1", "reminder", BULK_LANE)] == ("skipped", "registration cancelled")
    assert statuses[("r3", "cancelled", BULK_LANE)] == ("skipped", "registration cancelled")
    assert statuses[("r4", "rejected", 0)][0] == "skipped"
    assert [t for t, _ in batched["outbox"]] == [FAILED]

    async with private_schema_pool(dsn, MIGRATIONS) as unprepared:  # handlers read as they go
        await known_before(unprepared)
        await pipeline(unprepared, prepared=False).process_batch(records)
        assert await state(unprepared) == batched


async def test_random_stories_in_random_batches_match_one_fact_at_a_time(
    db: asyncpg.Pool, other_db: asyncpg.Pool, fact: Any
) -> None:
    chance = random.Random(20230926)
    kinds = ["confirmed", "waitlisted", "offered", "promoted", "session_changed", "cancelled"]
    facts = []
    for _ in range(80):
        kind, rid = chance.choice(kinds), chance.choice(["a", "b", "c", "d", "e"])
        extra: dict[str, Any] = {}
        if kind in ("confirmed", "promoted", "session_changed"):
            extra["sessions"] = chance.choice(SESSIONS)
        if kind == "cancelled":
            extra["reason"] = chance.choice(["by_attendee", "event_cancelled"])
        facts.append((kind, fact(kind, EVENT, registration_id=rid, **extra)))
    records = as_records(facts)
    start = 0
    while start < len(records):
        size = chance.randint(1, 20)
        await pipeline(db).process_batch(records[start : start + size])
        start += size
    for record in records:
        await pipeline(other_db).process(record)
    assert await state(db) == await state(other_db)


async def test_a_replayed_batch_creates_nothing_twice(
    db: asyncpg.Pool, dsn: str, fact: Any
) -> None:
    records = as_records(story(fact))
    await known_before(db)
    await pipeline(db).process_batch(records)
    first = await state(db)
    async with Wakeups(dsn, db) as wakeups:
        await wakeups.pipeline.process_batch(records)  # the inbox knows them all
        await db.execute("DELETE FROM inbox")  # and were it pruned, the jobs' keys do
        await wakeups.pipeline.process_batch(records)
        assert await wakeups.received() == []
    again = await state(db)
    assert again["jobs"] == first["jobs"] and again["outbox"] == first["outbox"]


class Wakeups:
    """NOTIFYs sent by one connection of its own (the channels are database-wide), and a
    pipeline that uses that connection."""

    def __init__(self, dsn: str, db: asyncpg.Pool) -> None:
        self._dsn, self._db = dsn, db
        self.seen: list[str] = []

    async def __aenter__(self) -> "Wakeups":
        schema = await self._db.fetchval("SELECT current_schema()")
        self._pool = await asyncpg.create_pool(
            self._dsn, min_size=1, max_size=1, server_settings={"search_path": schema}
        )
        self.pipeline = pipeline(self._pool)
        self.pid = await self._pool.fetchval("SELECT pg_backend_pid()")
        self._listener = await asyncpg.connect(self._dsn)
        for channel in ("mail_jobs", "webhook_deliveries"):
            await self._listener.add_listener(channel, self._heard)
        return self

    def _heard(self, _conn: Any, pid: int, channel: str, _payload: str) -> None:
        if pid == self.pid:
            self.seen.append(channel)

    def connection(self) -> Any:
        return self._pool.acquire()

    async def received(self) -> list[str]:
        """What arrived so far: notifications committed before this call are delivered to
        the listener ahead of the answer to its next command."""
        await self._listener.fetchval("SELECT 1")
        seen, self.seen = self.seen, []
        return seen

    async def __aexit__(self, *_: object) -> None:
        await self._listener.close()
        await self._pool.close()


async def test_without_subscriptions_no_delivery_and_no_wake_up(
    db: asyncpg.Pool, dsn: str, fact: Any
) -> None:
    records = as_records(story(fact))
    async with Wakeups(dsn, db) as wakeups:
        await wakeups.pipeline.process_batch(records)
        assert await wakeups.received() == ["mail_jobs"]  # the batch's one transaction
        failed = CloudEvent.model_validate(
            {
                "specversion": "1.0",
                "id": "n-1",
                "source": "urn:test",
                "type": FAILED,
                "time": "2023-09-01T10:00:00Z",
            }
        )
        async with wakeups.connection() as conn:  # as the mailer offers each outcome
            await webhook_outbox.offer(conn, failed, EVENT, "r1")
        assert await wakeups.received() == []
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0


async def test_with_subscriptions_deliveries_are_made_in_fact_order(
    db: asyncpg.Pool, dsn: str, fact: Any
) -> None:
    await db.execute(
        "INSERT INTO webhook_subscriptions (id, url, secret, types) VALUES"
        " ('crm', 'http://127.0.0.1:9/a', 'secret-0123456789abcdef', '{}'),"
        " ('billing', 'http://127.0.0.1:9/b', 'secret-0123456789abcdef', $1)",
        [registration.ORGANISATION_ENROLLED, registration.PROMOTED],
    )
    records = as_records(story(fact))
    async with Wakeups(dsn, db) as wakeups:
        await wakeups.pipeline.process_batch(records)
        assert sorted(await wakeups.received()) == ["mail_jobs", "webhook_deliveries"]
        await db.execute("DELETE FROM inbox")
        await wakeups.pipeline.process_batch(records)  # a replay delivers nothing again
        assert await wakeups.received() == []

    rows = await db.fetch(
        "SELECT subscription_id, ce_type, ce_id FROM webhook_deliveries ORDER BY seq"
    )
    crm = [
        r["ce_id"] if r["ce_type"] != FAILED else "failed"
        for r in rows
        if r["subscription_id"] == "crm"
    ]
    expected = [f"fact-{n}" for n in range(10)]
    expected.insert(4, "failed")  # what the unreadable rejection (fact-3) got
    assert crm == expected
    billing = [r["ce_id"] for r in rows if r["subscription_id"] == "billing"]
    assert billing == ["fact-4", "fact-9"]  # promoted, enrolled: the types it takes
