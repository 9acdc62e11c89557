"""Reading one Kafka record into what the pipeline does with it: a routed, validated input, an
invalid input for the route's `on_invalid`, a dead letter with its reason, or (on the internal
topics) a bundle of such inputs."""

from dataclasses import dataclass
from typing import Any

import orjson
from aiokafka import ConsumerRecord
from pydantic import BaseModel, ValidationError

from tilmeld_contracts.envelope import CloudEvent, UnreadableRecord, read_record, validation_detail
from tilmeld_contracts.internal.bundle_v1 import BUNDLE, TRACE_ATTRIBUTES, Bundle

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True)
class DeadLetter:
    reason: str
    detail: str
    label: str  # the `type` label for metrics: bounded, never the raw type string
    # For one event of a bundle: its place in the bundle and its own JSON, which is what the
    # dead-letter record carries instead of the whole bundle.
    index: int | None = None
    value: bytes | None = None

    def key(self, record: ConsumerRecord[bytes, bytes]) -> tuple[str, str]:
        """The inbox key of an unreadable record: its position, as it has no usable id."""
        return f"kafka:{record.topic}/{record.partition}", str(record.offset)


@dataclass(frozen=True)
class Readable:
    event: CloudEvent
    route: Any  # Route[Any]; Any keeps this module free of the pipeline's generics
    data: BaseModel | None  # None when invalid
    invalid_detail: str | None = None
    # For one event of a bundle: its trace context (the record's headers belong to the bundle)
    # and its place in the bundle.
    trace: Headers | None = None
    index: int | None = None

    def key(self) -> tuple[str, str]:
        return self.event.source, self.event.id


@dataclass(frozen=True)
class Bundled:
    """A bundle record: deduplicated as a whole, its events handled in order."""

    event: CloudEvent
    items: list[DeadLetter | Readable]

    def key(self) -> tuple[str, str]:
        return self.event.source, self.event.id


Classified = DeadLetter | Readable | Bundled


def classify(
    record: ConsumerRecord[bytes, bytes], routes: dict[str, Any], bundles: bool = False
) -> Classified:
    try:
        event = read_record(record.value, list(record.headers or ()))
    except UnreadableRecord as error:
        return DeadLetter(error.reason, error.detail, "unreadable")
    if bundles and event.type == BUNDLE:
        return _unbundle(event, routes)
    return _routed(event, routes)


def _routed(
    event: CloudEvent,
    routes: dict[str, Any],
    trace: Headers | None = None,
    index: int | None = None,
) -> DeadLetter | Readable:
    route = routes.get(event.type)
    if route is None:
        detail = f"unknown CloudEvents type {event.type!r}"
        return DeadLetter("unknown_type", detail, "unknown", index, event_value(event, index))
    try:
        data = route.model.model_validate(event.data, context=route.context)
        return Readable(event, route, data, None, trace, index)
    except ValidationError as error:
        detail = validation_detail(error)
        if route.on_invalid is None:
            value = event_value(event, index)
            return DeadLetter("invalid_data", detail, event.type, index, value)
        return Readable(event, route, None, detail, trace, index)


def event_value(event: CloudEvent, index: int | None) -> bytes | None:
    """A bundled event's own record value, for its dead letter; None outside a bundle."""
    return None if index is None else orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def _unbundle(bundle: CloudEvent, routes: dict[str, Any]) -> Bundled | DeadLetter:
    try:
        events = Bundle.model_validate(bundle.data).events
    except ValidationError as error:
        return DeadLetter("invalid_data", validation_detail(error), BUNDLE)
    items: list[DeadLetter | Readable] = []
    for index, attributes in enumerate(events):
        try:
            event = CloudEvent.model_validate(attributes)
        except ValidationError as error:
            value = orjson.dumps(attributes)
            items.append(
                DeadLetter("not_cloudevent", validation_detail(error), "unreadable", index, value)
            )
            continue
        trace = tuple(
            (name, attributes[name].encode("latin-1"))
            for name in TRACE_ATTRIBUTES
            if isinstance(attributes.get(name), str)
        )
        items.append(_routed(event, routes, trace, index))
    return Bundled(bundle, items)


def deadletter_headers(
    record: ConsumerRecord[bytes, bytes], reason: str, detail: str, index: int | None = None
) -> list[tuple[str, bytes]]:
    extra = [] if index is None else [("tilmeld-bundle-index", str(index).encode())]
    return [
        *[(k, v) for k, v in (record.headers or ()) if not k.startswith("tilmeld-")],
        ("tilmeld-error", reason.encode()),
        ("tilmeld-detail", detail.encode()[:2000]),
        ("tilmeld-topic", record.topic.encode()),
        ("tilmeld-partition", str(record.partition).encode()),
        ("tilmeld-offset", str(record.offset).encode()),
        *extra,
    ]
