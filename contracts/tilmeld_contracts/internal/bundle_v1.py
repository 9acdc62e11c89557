"""Several internal CloudEvents for one Kafka key, carried in one record.

In a rush a consumed batch of 500 sign-ups becomes 500 seat requests for one event, and those
become 500 decisions. Sent one record each, every one costs an outbox row, a produce, a
consumer's record and an inbox row on the way. A transaction's events for one internal topic
and key therefore travel as one `bundle` record whose data lists them in order, each a whole
structured CloudEvent (with its own id, correlation id and W3C trace context as the
distributed-tracing extension attributes `traceparent` / `tracestate`). The consumer dedupes
the bundle by its own source and id and handles the events in order, as if they had come one
by one. Only the internal topics carry bundles; a single event still travels on its own."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

BUNDLE = "dk.tilmeld.internal.bundle.v1"
# A record must stay below Kafka's default `message.max.bytes` (1 MB) with room to spare; a
# longer run of events is sent as several bundles in order.
MAX_BUNDLE_BYTES = 512 * 1024
TRACE_ATTRIBUTES = ("traceparent", "tracestate")


class Bundle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    events: list[dict[str, Any]] = Field(min_length=1)


def events_in(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The CloudEvents a structured-mode record carries: a bundle's events, or the record."""
    if record.get("type") == BUNDLE:
        events: list[dict[str, Any]] = record["data"]["events"]
        return events
    return [record]
