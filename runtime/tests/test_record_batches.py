"""Several records for one key in one outbox row (record_batches): written by `enqueue_events`
on the public topics, split below the row limits, and published by the real relay on the real
broker as records of their own, in order, each with its own headers, deleted only after."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest

from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_runtime import record_batches
from tilmeld_runtime.outbox import enqueue_events, enqueue_raw
from tilmeld_runtime.testing import queued_records

from .test_relay import _published_by, _relay


@pytest.fixture
async def topic(scratch_topic: Any) -> AsyncIterator[str]:
    async with scratch_topic("test.record-batches", 3) as name:
        yield name


def _event(n: int) -> CloudEvent:
    return new_event(
        type="dk.example.done.v1",
        source="urn:test",
        id=f"id-{n:04d}",
        time=datetime(2026, 1, 1, tzinfo=UTC),
        subject=None,
        data={"n": n},
    )


def _tag(n: int) -> list[tuple[str, bytes]]:
    return [("tilmeld-test", f"{n:04d}".encode())]


def test_chunks_keep_the_order_within_the_record_and_byte_limits() -> None:
    records = [(b"x" * 1_000, _tag(n)) for n in range(1_234)]
    chunks = list(record_batches.chunks(records))
    assert [len(c) for c in chunks] == [500, 500, 234]
    assert [h for c in chunks for _, h in c] == [_tag(n) for n in range(1_234)]
    big = [(b"x" * 200_000, _tag(n)) for n in range(7)]  # 2 fit MAX_BYTES, a third does not
    assert [len(c) for c in record_batches.chunks(big)] == [2, 2, 2, 1]
    alone = [(b"x" * (record_batches.MAX_BYTES + 1), _tag(0))]  # too big for the limit: alone
    assert [len(c) for c in record_batches.chunks(alone)] == [1]


def test_records_come_back_as_they_were_written() -> None:
    records = [(b'{"a":1}', [("content-type", b"x"), ("traceparent", b"\x00\xff")]), (b"", [])]
    assert record_batches.decode(record_batches.encode(records)) == records


async def test_a_keys_records_share_a_row_and_each_goes_out_in_order_with_its_headers(
    runtime_pool: asyncpg.Pool, topic: str
) -> None:
    items = [(topic, f"event-{n % 2}", _event(n)) for n in range(1_200)]
    async with runtime_pool.acquire() as conn, conn.transaction():
        await enqueue_raw(conn, topic, b"event-0", b"before", _tag(9_999))  # a row of its own
        await enqueue_events(conn, items, [_tag(n) for n in range(1_200)])
    rows = await runtime_pool.fetch("SELECT record_count FROM outbox ORDER BY seq")
    assert [r["record_count"] for r in rows] == [1, 500, 100, 500, 100]
    queued = await queued_records(runtime_pool, b"event-1")
    assert [r.headers["tilmeld-test"] for r in queued] == [
        f"{n:04d}".encode() for n in range(1, 1_200, 2)
    ]
    relay = _relay(runtime_pool)  # batch_size 7: rows that start within 7 records a cycle
    cycles: list[int] = []
    publish_batch = relay._publish_batch

    async def counted_publish_batch() -> int:
        cycles.append(await publish_batch())
        return cycles[-1]

    relay._publish_batch = counted_publish_batch  # type: ignore[method-assign]
    found = await _published_by(relay, runtime_pool, topic, 1_201)
    assert len(found) == 1_201  # none lost, none twice
    # The plain row and the first 500 start within the budget; each later row is a cycle.
    assert [n for n in cycles if n] == [501, 100, 500, 100]
    for parity, key in enumerate((b"event-0", b"event-1")):
        tags = [header for k, _, header in found if k == key]
        expected = [f"{n:04d}".encode() for n in range(parity, 1_200, 2)]
        assert tags == ([b"9999"] if parity == 0 else []) + expected
    values = {header: value for _, value, header in found}
    assert orjson.loads(values[b"0777"])["id"] == "id-0777"
    assert values[b"9999"] == b"before"


async def test_switched_off_each_record_is_a_row_of_its_own(runtime_pool: asyncpg.Pool) -> None:
    """TILMELD_OUTBOX_RECORD_BATCHES=false, while a relay without record batches still runs."""
    record_batches.configure(False)
    try:
        async with runtime_pool.acquire() as conn:
            await enqueue_events(conn, [("t", "e1", _event(n)) for n in range(3)])
    finally:
        record_batches.configure(True)
    rows = await runtime_pool.fetch("SELECT value, records FROM outbox ORDER BY seq")
    assert [orjson.loads(r["value"])["id"] for r in rows] == ["id-0000", "id-0001", "id-0002"]
    assert all(r["records"] is None for r in rows)
