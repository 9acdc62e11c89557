"""OpenTelemetry tracing across Kafka: each input is handled in a span whose parent is the
W3C trace context in the record's headers, and everything the handler emits carries the
handler's context in its own headers (stored with the outbox row; the relay sends it). So one
sign-up's spans in registration, capacity and notification share one trace id.

Off by default (`TILMELD_OTEL_EXPORTER=none`): no SDK is installed, nothing is recorded, and an
incoming `traceparent` is passed on unchanged. `console` prints spans as JSON lines on stdout,
`otlp` sends them over OTLP/HTTP (endpoint from the standard `OTEL_EXPORTER_OTLP_ENDPOINT`,
default http://localhost:4318), `file:<directory>` appends them as JSON lines to
`<directory>/<service>.jsonl` (what the end-to-end test reads).
"""

import contextlib
import sys
from collections.abc import Iterator, Sequence
from contextvars import ContextVar, Token
from pathlib import Path
from typing import IO, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

Headers = list[tuple[str, bytes]]
_PROPAGATOR = TraceContextTextMapPropagator()
_TRACER = trace.get_tracer("tilmeld_runtime")
_provider: TracerProvider | None = None
# Tracing off: the trace headers of the input being handled, passed on as they came.
_passed_on: ContextVar[tuple[tuple[str, bytes], ...]] = ContextVar("tilmeld_trace", default=())


def enabled() -> bool:
    return _provider is not None


def configure_tracing(service: str, exporter: str) -> None:
    """Install the SDK with the chosen exporter; `none` (or empty) leaves tracing off."""
    global _provider
    if exporter in ("", "none") or _provider is not None:
        return
    _provider = TracerProvider(resource=Resource.create({"service.name": f"tilmeld-{service}"}))
    _provider.add_span_processor(
        BatchSpanProcessor(_exporter(exporter, service), schedule_delay_millis=1000)
    )
    trace.set_tracer_provider(_provider)


def shutdown_tracing() -> None:
    """Export what is buffered (the SDK also does this at exit)."""
    if _provider is not None:
        _provider.shutdown()


def _exporter(spec: str, service: str) -> SpanExporter:
    if spec == "console":
        return ConsoleSpanExporter(out=sys.stdout, formatter=_one_line)
    if spec == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return OTLPSpanExporter()
    if spec.startswith("file:"):
        folder = Path(spec.removeprefix("file:"))
        folder.mkdir(parents=True, exist_ok=True)
        out: IO[str] = (folder / f"{service}.jsonl").open("a", encoding="utf-8")
        return ConsoleSpanExporter(out=out, formatter=_one_line)
    raise ValueError(f"TILMELD_OTEL_EXPORTER is none, console, otlp or file:<dir>, not {spec!r}")


def _one_line(span: ReadableSpan) -> str:
    return str(span.to_json(indent=None)) + "\n"


def trace_headers() -> Headers:
    """The current trace context as Kafka headers (`traceparent`, `tracestate`); empty when
    there is none."""
    if _provider is None:
        return list(_passed_on.get())
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return [(name, value.encode()) for name, value in carrier.items()]


def _context_headers(headers: Sequence[tuple[str, bytes | None]]) -> Headers:
    return [
        (name.lower(), value)
        for name, value in headers
        if value is not None and name.lower() in ("traceparent", "tracestate")
    ]


def _parent_of(headers: Headers) -> Context:
    return _PROPAGATOR.extract({name: value.decode("latin-1") for name, value in headers})


def pass_on(
    headers: Sequence[tuple[str, bytes | None]],
) -> Token[tuple[tuple[str, bytes], ...]]:
    """With tracing off: what the input's handler emits carries the input's trace context on
    (`trace_headers`) until `stop_passing_on`. `input_span` does this for one `with` block."""
    return _passed_on.set(tuple(_context_headers(headers)))


def stop_passing_on(token: Token[tuple[tuple[str, bytes], ...]]) -> None:
    _passed_on.reset(token)


@contextlib.contextmanager
def input_span(
    topic: str, headers: Sequence[tuple[str, bytes | None]], attributes: dict[str, Any]
) -> Iterator[None]:
    """Handle one input in a span that continues the trace its record carries (a new trace
    when it carries none), linked to the span the consumer opened for the whole batch. With
    tracing off, the record's trace context is only passed on, at the cost of a list."""
    if _provider is None:
        token = pass_on(headers)
        try:
            yield
        finally:
            stop_passing_on(token)
        return
    carried = _context_headers(headers)
    batch = trace.get_current_span().get_span_context()
    links = [Link(batch)] if batch.is_valid else None
    with _TRACER.start_as_current_span(
        f"{topic} handle",
        context=_parent_of(carried),
        kind=SpanKind.CONSUMER,
        attributes={"messaging.system": "kafka", "messaging.destination.name": topic} | attributes,
        links=links,
    ):
        yield
