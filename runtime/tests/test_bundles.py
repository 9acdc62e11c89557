"""Bundles on the internal topics: a transaction's events for one key leave as one outbox row,
and a consumer handles them in order as if each had come alone, deduplicating the bundle, with
each event's own trace context; one event that keeps failing is dead-lettered alone."""

import functools
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest
from aiokafka import ConsumerRecord

from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent, encode, new_event
from tilmeld_contracts.internal.bundle_v1 import BUNDLE, MAX_BUNDLE_BYTES, events_in
from tilmeld_runtime import bundling, example_pipeline, outbox
from tilmeld_runtime.bundling import outbox_rows
from tilmeld_runtime.pipeline import Pipeline, Route, Tx
from tilmeld_runtime.testing import QueuedRecord, consumer_record, queued_records

INTERNAL = topics.CAPACITY_COMMANDS
TYPE = "dk.tilmeld.internal.test-thing.v1"


Thing = example_pipeline.Thing


def _event(name: str, extra: dict[str, str] | None = None, second: int = 0) -> CloudEvent:
    event = new_event(
        type=TYPE,
        source="urn:test",
        id=f"id-{name}",
        time=datetime(2026, 1, 1, 0, second // 60, second % 60, tzinfo=UTC),
        subject=name,
        data={"name": name},
    )
    return event.model_copy(update=extra or {})


def _trace(n: int) -> list[tuple[str, bytes]]:
    return [("traceparent", f"00-{n:032x}-{n:016x}-01".encode())]


def test_one_keys_events_on_an_internal_topic_leave_as_one_bundle_in_order() -> None:
    items = [
        (INTERNAL, "e1", _event("a")),
        (INTERNAL, "e2", _event("x")),
        (topics.REGISTRATIONS, "e1", _event("p")),
        (INTERNAL, "e1", _event("b")),
        (topics.REGISTRATIONS, "e1", _event("q")),
        (INTERNAL, "e1", _event("c")),
    ]
    rows = outbox_rows(items, [_trace(i + 1) for i in range(len(items))], topics.INTERNAL_TOPICS)
    assert [(r.topic, r.key) for r in rows] == [
        (INTERNAL, b"e1"),
        (INTERNAL, b"e2"),
        (topics.REGISTRATIONS, b"e1"),
    ]
    bundle = orjson.loads(rows[0].value or b"")
    assert bundle["type"] == BUNDLE and bundle["source"] == "urn:test"
    inner = events_in(bundle)
    assert [e["data"]["name"] for e in inner] == ["a", "b", "c"]
    assert [e["traceparent"] for e in inner] == [_trace(n)[0][1].decode() for n in (1, 4, 6)]
    assert CloudEvent.model_validate(inner[1]).id == "id-b"
    # alone on its key: the event itself, its trace context as a header
    assert (
        rows[1].value == encode(items[1][2]) and ("traceparent", _trace(2)[0][1]) in rows[1].headers
    )
    # on a public topic: one row holding each event as a record of its own (record_batches)
    records = rows[2].records or []
    assert [orjson.loads(value)["data"]["name"] for value, _ in records] == ["p", "q"]
    assert [dict(headers)["traceparent"] for _, headers in records] == [
        _trace(n)[0][1] for n in (3, 5)
    ]


def test_a_long_run_of_events_is_split_into_bundles_below_the_record_limit() -> None:
    big = "x" * 20_000
    items = [(INTERNAL, "e1", _event(f"{i:03d}{big}", second=i)) for i in range(80)]
    rows = outbox_rows(items, [[] for _ in items], topics.INTERNAL_TOPICS)
    assert len(rows) >= 3
    assert all(len(r.value) <= MAX_BUNDLE_BYTES + 2_000 for r in rows)
    names = [e["data"]["name"][:3] for r in rows for e in events_in(orjson.loads(r.value))]
    assert names == [f"{i:03d}" for i in range(80)]
    # each bundle is dated by its own first event
    bundles = [orjson.loads(r.value) for r in rows]
    assert [b["time"] for b in bundles] == [events_in(b)[0]["time"] for b in bundles]


@pytest.fixture
async def db(runtime_pool: asyncpg.Pool) -> asyncpg.Pool:
    return runtime_pool


def _record(value: bytes, offset: int = 0) -> ConsumerRecord[bytes, bytes]:
    return consumer_record(INTERNAL, b"e1", value, offset=offset)


def _bundle_record(events: list[CloudEvent], offset: int = 0) -> ConsumerRecord[bytes, bytes]:
    items = [(INTERNAL, "e1", e) for e in events]
    [row] = outbox_rows(items, [_trace(i + 1) for i in range(len(events))], [INTERNAL])
    return _record(row.value, offset)


def _pipeline(
    pool: asyncpg.Pool, handled: list[str], poison: str = "", topic: str = INTERNAL
) -> Pipeline:
    async def handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
        if thing.name == poison:
            raise ValueError("bug")
        # Counted once committed: a redelivered input's handler may run before the closing
        # statement finds it in the inbox, and that attempt is rolled back.
        tx.after_commit(functools.partial(handled.append, thing.name))
        tx.emit(topics.REGISTRATIONS, "e1", example_pipeline.done(event, thing, tx))

    return Pipeline(pool, topic, {TYPE: Route(Thing, handle)})


async def _outbox(pool: asyncpg.Pool) -> list[QueuedRecord]:
    return await queued_records(pool)


async def test_a_bundle_is_handled_in_order_once_each_event_with_its_own_trace_and_correlation(
    db: asyncpg.Pool,
) -> None:
    handled: list[str] = []
    pipeline = _pipeline(db, handled)
    record = _bundle_record([_event("a"), _event("b", {"correlationid": "signup-b"}), _event("c")])
    await pipeline.process_batch([record])
    await pipeline.process_batch([_record(record.value, offset=1)])  # redelivered
    assert handled == ["a", "b", "c"]
    rows = await _outbox(db)
    assert [orjson.loads(r.value)["data"]["name"] for r in rows] == ["a", "b", "c"]
    # each output carries the trace context and correlation id of the event that caused it
    assert [r.headers["traceparent"] for r in rows] == [_trace(n)[0][1] for n in (1, 2, 3)]
    correlations = [orjson.loads(r.value)["correlationid"] for r in rows]
    assert correlations == ["id-a", "signup-b", "id-c"]
    assert await db.fetchval("SELECT count(*) FROM inbox") == 1  # the bundle, not its events


async def test_one_event_that_keeps_failing_is_dead_lettered_alone_and_the_rest_decided(
    db: asyncpg.Pool,
) -> None:
    handled: list[str] = []
    pipeline = _pipeline(db, handled, poison="b")
    events = [_event("a"), _event("b"), _event("c")]
    await pipeline.process_batch([_bundle_record(events, offset=5)])
    assert handled == ["a", "c"]
    rows = await _outbox(db)
    outputs = [orjson.loads(r.value)["data"]["name"] for r in rows if r.topic != topics.DEADLETTER]
    assert outputs == ["a", "c"]
    [letter] = [r for r in rows if r.topic == topics.DEADLETTER]
    headers = letter.headers
    assert headers["tilmeld-error"] == b"processing_failed"
    assert headers["tilmeld-bundle-index"] == b"1" and headers["tilmeld-offset"] == b"5"
    assert CloudEvent.model_validate(orjson.loads(letter.value)).id == "id-b"


async def test_an_unknown_event_in_a_bundle_is_dead_lettered_and_the_others_handled(
    db: asyncpg.Pool,
) -> None:
    handled: list[str] = []
    pipeline = _pipeline(db, handled)
    stranger = _event("s").model_copy(update={"type": "dk.tilmeld.internal.unheard-of.v1"})
    await pipeline.process_batch([_bundle_record([_event("a"), stranger, _event("c")])])
    assert handled == ["a", "c"]
    [letter] = [r for r in await _outbox(db) if r.topic == topics.DEADLETTER]
    assert letter.headers["tilmeld-error"] == b"unknown_type"
    assert orjson.loads(letter.value)["id"] == "id-s"


async def test_a_bundle_on_a_public_topic_is_an_unknown_type(db: asyncpg.Pool) -> None:
    handled: list[str] = []
    pipeline = _pipeline(db, handled, topic=topics.SIGNUPS)
    record = _bundle_record([_event("a"), _event("b")])
    await pipeline.process_batch([record])
    assert handled == []
    [letter] = await _outbox(db)
    assert letter.headers["tilmeld-error"] == b"unknown_type" and letter.value == record.value


async def test_enqueued_events_for_one_key_become_one_row(db: asyncpg.Pool) -> None:
    async with db.acquire() as conn:
        await outbox.enqueue_events(conn, [(INTERNAL, "e1", _event(n)) for n in "abc"])
    [row] = await _outbox(db)
    assert [e["id"] for e in events_in(orjson.loads(row.value))] == ["id-a", "id-b", "id-c"]


async def test_with_bundles_switched_off_each_event_is_a_record_of_its_own(
    db: asyncpg.Pool,
) -> None:
    """TILMELD_INTERNAL_BUNDLES=false, for an upgrade while readers without bundles still run."""
    bundling.configure(False)
    try:
        async with db.acquire() as conn:
            await outbox.enqueue_events(conn, [(INTERNAL, "e1", _event(n)) for n in "abc"])
    finally:
        bundling.configure(True)
    rows = await _outbox(db)
    assert [orjson.loads(r.value)["id"] for r in rows] == ["id-a", "id-b", "id-c"]
