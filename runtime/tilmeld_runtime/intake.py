"""Reading one Kafka record into what the pipeline does with it: a routed, validated input, an
invalid input for the route's `on_invalid`, or a dead letter with its reason."""

from dataclasses import dataclass
from typing import Any

from aiokafka import ConsumerRecord
from pydantic import BaseModel, ValidationError

from tilmeld_contracts.envelope import CloudEvent, UnreadableRecord, read_record, validation_detail


@dataclass(frozen=True)
class DeadLetter:
    reason: str
    detail: str
    label: str  # the `type` label for metrics: bounded, never the raw type string

    def key(self, record: ConsumerRecord[bytes, bytes]) -> tuple[str, str]:
        """The inbox key of an unreadable record: its position, as it has no usable id."""
        return f"kafka:{record.topic}/{record.partition}", str(record.offset)


@dataclass(frozen=True)
class Readable:
    event: CloudEvent
    route: Any  # Route[Any]; Any keeps this module free of the pipeline's generics
    data: BaseModel | None  # None when invalid
    invalid_detail: str | None = None

    def key(self) -> tuple[str, str]:
        return self.event.source, self.event.id


def classify(record: ConsumerRecord[bytes, bytes], routes: dict[str, Any]) -> DeadLetter | Readable:
    try:
        event = read_record(record.value, list(record.headers or ()))
    except UnreadableRecord as error:
        return DeadLetter(error.reason, error.detail, "unreadable")
    route = routes.get(event.type)
    if route is None:
        return DeadLetter("unknown_type", f"unknown CloudEvents type {event.type!r}", "unknown")
    try:
        return Readable(event, route, route.model.model_validate(event.data, context=route.context))
    except ValidationError as error:
        detail = validation_detail(error)
        if route.on_invalid is None:
            return DeadLetter("invalid_data", detail, event.type)
        return Readable(event, route, None, detail)


def deadletter_headers(
    record: ConsumerRecord[bytes, bytes], reason: str, detail: str
) -> list[tuple[str, bytes]]:
    return [
        *[(k, v) for k, v in (record.headers or ()) if not k.startswith("tilmeld-")],
        ("tilmeld-error", reason.encode()),
        ("tilmeld-detail", detail.encode()[:2000]),
        ("tilmeld-topic", record.topic.encode()),
        ("tilmeld-partition", str(record.partition).encode()),
        ("tilmeld-offset", str(record.offset).encode()),
    ]
