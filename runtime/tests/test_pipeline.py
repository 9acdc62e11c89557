"""The consumer pipeline on the real PostgreSQL: inbox dedupe, outbox writes, dead letters,
and what happens when a handler fails."""

import gc
import weakref
from datetime import UTC, datetime

import asyncpg
import orjson
import pytest
from aiokafka import ConsumerRecord
from prometheus_client import REGISTRY
from pydantic import BaseModel

from tilmeld_contracts.common import CHECKED_UPSTREAM
from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_contracts.signups.v1 import Attendee
from tilmeld_runtime.pipeline import Pipeline, Route, Tx
from tilmeld_runtime.testing import QueuedRecord, consumer_record, queued_records

TYPE = "dk.example.thing.v1"


class Thing(BaseModel):
    name: str


def _record(value: bytes | None, offset: int = 0) -> ConsumerRecord[bytes, bytes]:
    return consumer_record("t", b"k", value, offset=offset, headers=[])


def _event(id_: str, data: object) -> bytes:
    return orjson.dumps(
        {
            "specversion": "1.0",
            "id": id_,
            "source": "urn:test",
            "type": TYPE,
            "time": "2026-01-01T00:00:00Z",
            "data": data,
        }
    )


async def _outbox(pool: asyncpg.Pool) -> list[QueuedRecord]:
    return await queued_records(pool)


@pytest.fixture
async def handled(runtime_pool: asyncpg.Pool) -> list[str]:
    return []


def _pipeline(pool: asyncpg.Pool, handled: list[str], fail: Exception | None = None) -> Pipeline:
    async def handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
        if fail is not None:
            raise fail
        handled.append(thing.name)
        tx.emit(
            "out",
            "k",
            new_event(
                type="dk.example.done.v1",
                source="urn:t",
                id=f"done-{event.id}",
                time=datetime.now(UTC),
                subject=None,
                data={"name": thing.name},
            ),
        )

    return Pipeline(pool, "t", {TYPE: Route(Thing, handle)})


async def test_an_input_is_handled_once_and_its_output_is_in_the_outbox(
    pool: asyncpg.Pool, handled: list[str]
) -> None:
    pipeline = _pipeline(pool, handled)
    await pipeline.process(_record(_event("1", {"name": "a"})))
    await pipeline.process(_record(_event("1", {"name": "a"}), offset=1))  # redelivered
    assert handled == ["a"]
    rows = await _outbox(pool)
    assert [(r.topic, orjson.loads(r.value)["id"]) for r in rows] == [("out", "done-1")]
    assert rows[0].headers == {"content-type": b"application/cloudevents+json"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"nope", "not_json"),
        (orjson.dumps({"id": "x"}), "not_cloudevent"),
        (orjson.dumps({**orjson.loads(_event("2", {})), "type": "other"}), "unknown_type"),
        (_event("3", {"name": 5}), "invalid_data"),
    ],
)
async def test_unreadable_input_goes_to_the_dead_letter_topic_unchanged(
    pool: asyncpg.Pool, handled: list[str], value: bytes, reason: str
) -> None:
    pipeline = _pipeline(pool, handled)
    await pipeline.process(_record(value, offset=7))
    await pipeline.process(_record(value, offset=7))  # the same record again: one dead letter
    rows = await _outbox(pool)
    assert len(rows) == 1 and rows[0].topic == "tilmeld.deadletter"
    assert rows[0].value == value and rows[0].key == b"k"
    headers = rows[0].headers
    assert headers["tilmeld-error"] == reason.encode()
    assert headers["tilmeld-topic"] == b"t" and headers["tilmeld-offset"] == b"7"
    assert headers["tilmeld-detail"]
    assert handled == []


async def test_a_handler_that_keeps_failing_is_parked_not_stalling(
    pool: asyncpg.Pool, handled: list[str]
) -> None:
    pipeline = _pipeline(pool, handled, fail=ValueError("bug"))
    record = _record(_event("4", {"name": "b"}))
    await pipeline.process(record)
    rows = await _outbox(pool)
    assert [r.topic for r in rows] == ["tilmeld.deadletter"]
    headers = rows[0].headers
    assert headers["tilmeld-error"] == b"processing_failed"
    # Parked in the transaction that claimed it: a redelivered copy is a duplicate, not a
    # second dead letter.
    await pipeline.process(record)
    assert [r.topic for r in await _outbox(pool)] == ["tilmeld.deadletter"]


async def test_an_infrastructure_error_is_handed_back_to_kafka_with_no_effect(
    pool: asyncpg.Pool, handled: list[str]
) -> None:
    pipeline = _pipeline(pool, handled, fail=ConnectionResetError("db went away"))
    with pytest.raises(ConnectionResetError):
        await pipeline.process(_record(_event("5", {"name": "c"})))
    assert await _outbox(pool) == []
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 0


class Person(BaseModel):
    attendee: Attendee


async def test_a_route_validates_with_its_context(pool: asyncpg.Pool, handled: list[str]) -> None:
    async def handle(tx: Tx, event: CloudEvent, person: Person) -> None:
        handled.append(str(person.attendee.email))

    def pipeline(context: dict[str, object] | None) -> Pipeline:
        return Pipeline(pool, "t", {TYPE: Route(Person, handle, context=context)})

    # Two dots in a row: email-validator refuses it, the shape check for data Tilmeld produced
    # from a validated sign-up does not.
    data = {"attendee": {"name": "Mette", "email": "m..h@aarhus.dk", "organisation": "Aarhus"}}
    await pipeline(None).process(_record(_event("p1", data)))
    await pipeline(CHECKED_UPSTREAM).process(_record(_event("p2", data), offset=1))
    assert handled == ["m..h@aarhus.dk"]
    [letter] = await _outbox(pool)
    assert letter.topic == "tilmeld.deadletter"
    headers = letter.headers
    assert headers["tilmeld-error"] == b"invalid_data"


async def test_a_batch_counts_each_input_once_by_its_outcome(
    pool: asyncpg.Pool, handled: list[str]
) -> None:
    def sample(name: str, **labels: str) -> float:
        return REGISTRY.get_sample_value(name, {"topic": "t", **labels}) or 0.0

    handled_before = sample("tilmeld_inputs_total", type=TYPE, outcome="handled")
    duplicates_before = sample("tilmeld_inputs_total", type=TYPE, outcome="duplicate")
    timed_before = sample("tilmeld_handler_duration_seconds_count")
    batch = [
        _record(_event("b1", {"name": "a"}), offset=0),
        _record(_event("b2", {"name": "b"}), offset=1),
        _record(_event("b1", {"name": "a"}), offset=2),  # a second copy within the batch
    ]
    await _pipeline(pool, handled).process_batch(batch)
    assert handled == ["a", "b"]
    assert sample("tilmeld_inputs_total", type=TYPE, outcome="handled") == handled_before + 2
    assert sample("tilmeld_inputs_total", type=TYPE, outcome="duplicate") == duplicates_before + 1
    assert sample("tilmeld_handler_duration_seconds_count") == timed_before + 3


class _Gathered:
    """Stands for what a batch's handlers gather in `tx.cache` (rows, states, events)."""


@pytest.mark.parametrize("one_by_one", [False, True])
async def test_a_batch_is_let_go_as_soon_as_it_is_over(
    pool: asyncpg.Pool, handled: list[str], one_by_one: bool
) -> None:
    """A flush that closes over its Tx makes a reference cycle. Reference counting alone must
    free what the batch gathered once it is over: the garbage collector may not come for a
    long time (gc_tuning.py), and until then the cycle would hold the whole batch."""
    gathered: list[weakref.ref[_Gathered]] = []

    async def handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
        handled.append(thing.name)
        kept = tx.cache.setdefault("gathered", _Gathered())
        gathered.append(weakref.ref(kept))

        async def flush() -> None:
            assert tx.cache["gathered"] is kept  # the flush still sees the batch's cache

        tx.before_commit("gathered", flush)
        tx.after_commit(lambda: handled.append(f"{thing.name} committed"))

    pipeline = Pipeline(pool, "t", {TYPE: Route(Thing, handle)})
    records = [_record(_event(f"free-{n}", {"name": f"n{n}"}), offset=n) for n in range(3)]
    gc.disable()
    try:
        if one_by_one:
            for record in records:
                await pipeline.process(record)
        else:
            await pipeline.process_batch(records)
        # Each handled once, and the after-commit callbacks still ran.
        assert sorted(handled) == sorted(
            [f"n{n}" for n in range(3)] + [f"n{n} committed" for n in range(3)]
        )
        assert len(gathered) == 3 and all(ref() is None for ref in gathered)
    finally:
        gc.enable()
