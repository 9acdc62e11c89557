"""Traces and logs across the three services as processes: a sign-up's spans in registration,
capacity and notification share one trace id (read from the spans each service writes with
TILMELD_OTEL_EXPORTER=file:<dir>), and its correlation id travels with the facts and the
log lines."""

import secrets
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.e2e.kafka_io import Producer, Tail, cloudevent, eventually
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event
from tests.e2e.services import ServiceProcess
from tilmeld_contracts import topics
from tilmeld_contracts.signups import v1 as signups

pytestmark = pytest.mark.e2e
SERVICES = ("registration", "capacity", "notification")
STRUCTURED = ("content-type", b"application/cloudevents+json")


class Spans:
    """The spans the services exported, read incrementally (the files grow all session)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._read: dict[str, int] = {}
        self._spans: dict[str, list[dict[str, Any]]] = {name: [] for name in SERVICES}

    def of(self, service: str) -> list[dict[str, Any]]:
        path = self.folder / f"{service}.jsonl"
        if path.exists():
            with path.open("rb") as file:
                file.seek(self._read.get(service, 0))
                chunk = file.read()
            complete = chunk[: chunk.rfind(b"\n") + 1]  # a line being written waits
            self._read[service] = self._read.get(service, 0) + len(complete)
            self._spans[service] += [orjson.loads(line) for line in complete.splitlines()]
        return self._spans[service]

    def in_trace(self, trace_id: str) -> dict[str, list[dict[str, Any]]]:
        return {
            service: [s for s in self.of(service) if s["context"]["trace_id"] == trace_id]
            for service in SERVICES
        }


def handled(found: list[dict[str, Any]], ce_type: str) -> list[dict[str, Any]]:
    return [s for s in found if s["attributes"].get("cloudevents.event_type") == ce_type]


async def _sign_up_and_wait(
    producer: Producer, outcomes: Tail, notifications: Tail, headers: list[tuple[str, bytes]]
) -> tuple[str, str]:
    event_id = new_event_id("trace")
    await publish_event(producer, conference(event_id, 5))
    request = cloudevent(
        signups.SIGNUP_REQUESTED, {"event_id": event_id, "attendee": attendee(1), "choices": {}}
    )
    await producer.send(topics.SIGNUPS, event_id, request, headers=[STRUCTURED, *headers])
    await eventually(lambda: len(outcomes.events(event_id)) == 1, what="the outcome")
    await eventually(lambda: len(notifications.events(event_id)) == 1, what="the notification")
    return event_id, str(request["id"])


async def test_a_sign_ups_spans_in_all_three_services_share_the_callers_trace(
    services: dict[str, ServiceProcess],
    spans_dir: Path,
    producer: Producer,
    outcomes: Tail,
    notifications: Tail,
) -> None:
    spans = Spans(spans_dir)
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    traceparent = f"00-{trace_id}-{caller_span}-01".encode()
    event_id, request_id = await _sign_up_and_wait(
        producer, outcomes, notifications, [("traceparent", traceparent)]
    )

    def chain_complete() -> bool:
        found = spans.in_trace(f"0x{trace_id}")
        return all(
            handled(found[service], ce_type)
            for service, ce_type in (
                ("registration", signups.SIGNUP_REQUESTED),
                ("capacity", "dk.tilmeld.internal.request-seat.v1"),
                ("registration", "dk.tilmeld.internal.seat-granted.v1"),
                ("notification", "dk.tilmeld.registration.confirmed.v1"),
            )
        )

    await eventually(chain_complete, timeout=15, what="spans of the whole chain")
    found = spans.in_trace(f"0x{trace_id}")
    [first] = handled(found["registration"], signups.SIGNUP_REQUESTED)
    assert first["parent_id"] == f"0x{caller_span}"
    assert first["attributes"]["cloudevents.event_id"] == request_id
    assert first["resource"]["attributes"]["service.name"] == "tilmeld-registration"
    # Each hop is the child of the span that emitted what it handles.
    [seat] = handled(found["capacity"], "dk.tilmeld.internal.request-seat.v1")
    assert seat["parent_id"] == first["context"]["span_id"]
    [granted] = handled(found["registration"], "dk.tilmeld.internal.seat-granted.v1")
    assert granted["parent_id"] == seat["context"]["span_id"]
    [mail] = handled(found["notification"], "dk.tilmeld.registration.confirmed.v1")
    assert mail["parent_id"] == granted["context"]["span_id"]
    # The outcome fact carries the sign-up's id as its correlation id.
    [fact] = outcomes.events(event_id)
    assert fact["correlationid"] == request_id


async def test_a_sign_up_without_trace_context_starts_one_trace(
    services: dict[str, ServiceProcess],
    spans_dir: Path,
    producer: Producer,
    outcomes: Tail,
    notifications: Tail,
) -> None:
    spans = Spans(spans_dir)
    _, request_id = await _sign_up_and_wait(producer, outcomes, notifications, [])

    def root() -> list[dict[str, Any]]:
        return [
            s
            for s in spans.of("registration")
            if s["attributes"].get("cloudevents.event_id") == request_id
        ]

    await eventually(lambda: len(root()) == 1, timeout=15, what="the sign-up's span")
    [first] = root()
    trace_id = first["context"]["trace_id"]
    await eventually(
        lambda: all(spans.in_trace(trace_id).values()), timeout=15, what="all services"
    )


def json_lines(service: ServiceProcess, since: int) -> list[dict[str, Any]]:
    """The JSON lines the service logged after byte `since` of its log."""
    with service.log_path.open("rb") as log:
        log.seek(since)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    return [orjson.loads(line) for line in lines if line.startswith("{")]


async def test_log_lines_carry_the_inputs_identifiers(
    services: dict[str, ServiceProcess], producer: Producer, outcomes: Tail, notifications: Tail
) -> None:
    since = {name: services[name].log_path.stat().st_size for name in SERVICES}
    event_id, _ = await _sign_up_and_wait(producer, outcomes, notifications, [])
    capacity_lines: list[dict[str, Any]] = []

    def logged() -> bool:
        capacity_lines[:] = [
            line
            for line in json_lines(services["capacity"], since["capacity"])
            if line.get("event_id") == event_id
        ]
        return bool(capacity_lines)

    await eventually(logged, timeout=10, what="capacity's log line about the event")
    [defined] = [line for line in capacity_lines if "defined" in line["message"]]
    assert defined["service"] == "capacity"
    assert defined["level"] == "info"
    assert defined["ce_type"] == "dk.tilmeld.internal.define-event.v1"
    # Registration read the event from the catalog and passed the catalog record's id on as
    # the correlation id; capacity's line names both.
    assert defined["correlation_id"] != defined["ce_id"]
    assert "registration_id" not in defined  # a catalog event's subject is the event itself
    mails = [
        line
        for line in json_lines(services["notification"], since["notification"])
        if line.get("event_id") == event_id and line["message"].startswith("sent ")
    ]
    assert len(mails) == 1 and mails[0]["service"] == "notification"
    assert mails[0]["registration_id"] and mails[0]["notification_id"]
