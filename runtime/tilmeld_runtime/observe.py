"""What surrounds the handling of one input: its identifiers bound to every log line written
meanwhile, its span in the trace it belongs to, and its correlation id on the transaction so
that whatever the handler emits carries it on.

The correlation id is the CloudEvents extension attribute `correlationid`: an input that has
one passes it on; an input without one starts a chain, and its own CloudEvents id becomes the
chain's correlation id. So a sign-up, its seat request, capacity's decision, the outcome fact
and the notification about it all share one."""

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any

from aiokafka import ConsumerRecord

from tilmeld_contracts.envelope import CORRELATION_ATTRIBUTE, CloudEvent
from tilmeld_runtime import tracing

# What is being handled, for every log line written meanwhile (logs.py merges it in). One
# variable set once per input: cheaper than structlog's one variable per key.
_BOUND: ContextVar[Mapping[str, Any]] = ContextVar("tilmeld_log", default=MappingProxyType({}))


def log_context() -> Mapping[str, Any]:
    return _BOUND.get()


@contextlib.contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Bind `ids` (those that are not None) to the log lines written inside."""
    token = _BOUND.set({**_BOUND.get(), **{k: v for k, v in ids.items() if v is not None}})
    try:
        yield
    finally:
        _BOUND.reset(token)


def correlation_of(event: CloudEvent) -> str:
    extra = event.model_extra or {}
    value = extra.get(CORRELATION_ATTRIBUTE)
    return value if isinstance(value, str) and value else event.id


def identifiers(record: ConsumerRecord[bytes, bytes], event: CloudEvent) -> dict[str, str]:
    """The log context of one input. Every record Tilmeld reads is keyed by its event id; the
    subject of everything but catalog events is a registration id."""
    data = event.data if isinstance(event.data, dict) else {}
    event_id = data.get("event_id") if isinstance(data.get("event_id"), str) else None
    event_id = event_id or (record.key.decode("utf-8", "replace") if record.key else None)
    found = {
        "event_id": event_id,
        "registration_id": event.subject if event.subject != event_id else None,
        "ce_id": event.id,
        "ce_source": event.source,
        "ce_type": event.type,
        "correlation_id": correlation_of(event),
    }
    return {name: value for name, value in found.items() if value}


@contextlib.contextmanager
def handling(
    record: ConsumerRecord[bytes, bytes],
    event: CloudEvent,
    trace: Sequence[tuple[str, bytes]] | None = None,
) -> Iterator[str]:
    """Bind the input's identifiers and open its span; yields its correlation id. `trace` is
    the trace context of an event that came in a bundle (default: the record's headers)."""
    ids = identifiers(record, event)
    attributes = _span_attributes(record, event) if tracing.enabled() else {}
    headers = (record.headers or ()) if trace is None else trace
    with bound(**ids), tracing.input_span(record.topic, headers, attributes):
        yield ids["correlation_id"]


def _span_attributes(record: ConsumerRecord[bytes, bytes], event: CloudEvent) -> dict[str, Any]:
    """The input's span attributes: built only when tracing is on (three inputs per sign-up)."""
    attributes: dict[str, Any] = {
        "cloudevents.event_id": event.id,
        "cloudevents.event_source": event.source,
        "cloudevents.event_type": event.type,
        "messaging.kafka.destination.partition": record.partition,
        "messaging.kafka.message.offset": record.offset,
    }
    if event.subject:
        attributes["cloudevents.event_subject"] = event.subject
    return attributes


@contextlib.contextmanager
def unreadable(record: ConsumerRecord[bytes, bytes]) -> Iterator[None]:
    """An input we cannot read as a CloudEvent: its position is all there is to bind."""
    with bound(
        kafka_topic=record.topic, kafka_partition=record.partition, kafka_offset=record.offset
    ):
        yield
