"""What the pipeline passes on from an input, on the real PostgreSQL: its correlation id to the
events it causes, its trace context to their outbox rows, and its identifiers to every log line
written while it is handled."""

import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
import pytest
import structlog
from aiokafka import ConsumerRecord
from pydantic import BaseModel

from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_runtime.logs import configure_logging
from tilmeld_runtime.pipeline import Pipeline, Route, Tx
from tilmeld_runtime.testing import consumer_record, queued_records

TYPE = "dk.example.thing.v1"
TRACEPARENT = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
log = logging.getLogger("tilmeld.test")


class Thing(BaseModel):
    name: str


def _record(
    event: dict[str, Any], headers: list[tuple[str, bytes]]
) -> ConsumerRecord[bytes, bytes]:
    return consumer_record("t", b"event-1", orjson.dumps(event), headers=headers)


def _input(id_: str, **extensions: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": id_,
        "source": "urn:test",
        "type": TYPE,
        "time": "2026-01-01T00:00:00Z",
        "subject": "registration-1",
        "data": {"name": "a"},
    } | extensions


async def _handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
    log.info("handling %s", thing.name)
    done = new_event(
        type="dk.example.done.v1",
        source="urn:t",
        id=f"done-{event.id}",
        time=datetime.now(UTC),
        subject=None,
        data={"name": thing.name},
    )
    tx.emit("out", "event-1", done)


@pytest.fixture
async def pipeline(runtime_pool: asyncpg.Pool) -> Pipeline:
    return Pipeline(runtime_pool, "t", {TYPE: Route(Thing, _handle)})


async def _outbox(pool: asyncpg.Pool) -> list[tuple[dict[str, Any], dict[str, bytes]]]:
    return [(orjson.loads(r.value or b""), r.headers) for r in await queued_records(pool)]


async def test_what_an_input_causes_carries_its_correlation_id_and_trace_context(
    pool: asyncpg.Pool, pipeline: Pipeline
) -> None:
    await pipeline.process_batch(
        [
            _record(_input("first"), [("traceparent", TRACEPARENT)]),
            _record(_input("second", correlationid="sign-up-9"), []),
        ]
    )
    [(first, first_headers), (second, second_headers)] = await _outbox(pool)
    assert first["correlationid"] == "first"  # a chain starts: its own id
    assert second["correlationid"] == "sign-up-9"  # a chain goes on
    # Tracing is off in this process: the caller's context is passed on unchanged.
    assert first_headers["traceparent"] == TRACEPARENT
    assert "traceparent" not in second_headers


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("svc", "INFO", console=False, stream=stream)
    try:
        yield stream
    finally:
        root.handlers, root.level = handlers, level
        structlog.reset_defaults()


async def test_log_lines_written_while_an_input_is_handled_name_it(
    pipeline: Pipeline, json_logs: io.StringIO
) -> None:
    await pipeline.process(_record(_input("third", correlationid="sign-up-9"), []))
    log.info("after")
    lines = [orjson.loads(line) for line in json_logs.getvalue().splitlines()]
    during = next(line for line in lines if line["message"] == "handling a")
    assert during == during | {
        "service": "svc",
        "level": "info",
        "logger": "tilmeld.test",
        "event_id": "event-1",
        "registration_id": "registration-1",
        "ce_id": "third",
        "ce_source": "urn:test",
        "ce_type": TYPE,
        "correlation_id": "sign-up-9",
    }
    after = next(line for line in lines if line["message"] == "after")
    assert after["service"] == "svc" and "ce_id" not in after
