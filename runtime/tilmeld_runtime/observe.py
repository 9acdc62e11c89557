"""What surrounds the handling of one input: its identifiers bound to every log line written
meanwhile, its span in the trace it belongs to, and its correlation id on the transaction so
that whatever the handler emits carries it on.

The correlation id is the CloudEvents extension attribute `correlationid`: an input that has
one passes it on; an input without one starts a chain, and its own CloudEvents id becomes the
chain's correlation id. So a sign-up, its seat request, capacity's decision, the outcome fact
and the notification about it all share one."""

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar, Token
from types import MappingProxyType, TracebackType
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


class _InputLogContext(Mapping[str, Any]):
    """An input's log context, worked out when a log line asks for it: most inputs write none,
    and every hop of a sign-up built one per input (bench/observe_overhead.py)."""

    __slots__ = ("_event", "_outer", "_record", "_resolved")

    def __init__(
        self,
        outer: Mapping[str, Any],
        record: ConsumerRecord[bytes, bytes],
        event: CloudEvent,
    ) -> None:
        self._outer, self._record, self._event = outer, record, event
        self._resolved: Mapping[str, Any] | None = None

    def _ids(self) -> Mapping[str, Any]:
        if self._resolved is None:
            self._resolved = {**self._outer, **identifiers(self._record, self._event)}
        return self._resolved

    def __getitem__(self, key: str) -> Any:
        return self._ids()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids())

    def __len__(self) -> int:
        return len(self._ids())


# Lower case: called like the function it replaced, `with observe.handling(...) as correlation_id`.
class handling:
    """Bind the input's identifiers and open its span; `with` gives its correlation id. `trace`
    is the trace context of an event that came in a bundle (default: the record's headers).
    A class, not a generator: entered once per input on every hop, where a generator-based
    context manager (two of them, with tracing off) cost more than the work."""

    __slots__ = ("_event", "_log_token", "_record", "_span", "_trace", "_trace_token")

    def __init__(
        self,
        record: ConsumerRecord[bytes, bytes],
        event: CloudEvent,
        trace: Sequence[tuple[str, bytes]] | None = None,
    ) -> None:
        self._record, self._event, self._trace = record, event, trace
        self._span: contextlib.AbstractContextManager[None] | None = None
        self._trace_token: Token[tuple[tuple[str, bytes], ...]] | None = None

    def __enter__(self) -> str:
        record, event = self._record, self._event
        headers = (record.headers or ()) if self._trace is None else self._trace
        self._log_token = _BOUND.set(_InputLogContext(_BOUND.get(), record, event))
        try:
            if tracing.enabled():
                attributes = _span_attributes(record, event)
                self._span = tracing.input_span(record.topic, headers, attributes)
                self._span.__enter__()
            else:
                self._trace_token = tracing.pass_on(headers)
            return correlation_of(event)
        except BaseException:  # `__exit__` is not called when `__enter__` fails
            self._span = None
            _BOUND.reset(self._log_token)
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if self._span is not None:
                self._span.__exit__(kind, error, traceback)
            elif self._trace_token is not None:
                tracing.stop_passing_on(self._trace_token)
        finally:
            _BOUND.reset(self._log_token)


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
