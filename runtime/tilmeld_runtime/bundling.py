"""Writing a transaction's events as outbox rows: on the internal topics, the events for one
key go out as bundles (tilmeld_contracts.internal.bundle_v1); on the others, the records for one
key share a row (record_batches), each still a record of its own on the topic.

Order: the relay keeps the outbox order per key, and a consumer only relies on the order of one
key's events, so a key's events may move together to the place of the first of them."""

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson

from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent, encode, structured_headers
from tilmeld_contracts.ids import random_id
from tilmeld_contracts.internal.bundle_v1 import BUNDLE, MAX_BUNDLE_BYTES
from tilmeld_runtime import record_batches

Headers = Sequence[tuple[str, bytes]]
# The topics whose events are bundled by `outbox.enqueue_events`; set at start-up (`configure`).
_bundled: frozenset[str] = frozenset(topics.INTERNAL_TOPICS)


def configure(enabled: bool) -> None:
    """TILMELD_INTERNAL_BUNDLES: off sends every internal event as a record of its own."""
    global _bundled
    _bundled = frozenset(topics.INTERNAL_TOPICS) if enabled else frozenset()


def bundled_topics() -> frozenset[str]:
    return _bundled


class OutboxRow(NamedTuple):
    topic: str
    key: bytes
    value: bytes | None  # None for a row of several records
    headers: list[tuple[str, bytes]]
    records: Sequence[record_batches.Record] | None = None  # see record_batches


def outbox_rows(
    items: Sequence[tuple[str, str, CloudEvent]],
    trace: Sequence[Headers],
    bundled_topics: Iterable[str],
) -> list[OutboxRow]:
    bundled = frozenset(bundled_topics)
    batched = record_batches.enabled()
    groups: dict[tuple[str, str], list[int]] = {}
    for index, (topic, key, _) in enumerate(items):
        groups.setdefault((topic, key), []).append(index)
    rows: list[OutboxRow] = []
    for (topic, key), indexes in groups.items():
        if topic in bundled and len(indexes) > 1:
            events = [_attributes(items[i][2], trace[i]) for i in indexes]
            values = _bundles(events)
            rows.extend(OutboxRow(topic, key.encode(), v, structured_headers()) for v in values)
            continue
        records = [(encode(items[i][2]), [*structured_headers(), *trace[i]]) for i in indexes]
        if batched and len(records) > 1:
            rows.extend(
                OutboxRow(topic, key.encode(), None, [], chunk)
                for chunk in record_batches.chunks(records)
            )
        else:
            rows.extend(OutboxRow(topic, key.encode(), v, h) for v, h in records)
    return rows


def _attributes(event: CloudEvent, trace: Headers) -> dict[str, Any]:
    """The event as its structured-mode JSON object, its trace context as extension attributes."""
    attributes: dict[str, Any] = event.model_dump(mode="json", exclude_none=True)
    for name, value in trace:
        attributes[name] = value.decode("latin-1")
    return attributes


def _bundles(events: list[dict[str, Any]]) -> Iterable[bytes]:
    """The events in order, as few bundle record values as fit MAX_BUNDLE_BYTES each."""
    chunk: list[bytes] = []
    first = events[0]  # of the chunk: the bundle's source and time are its
    size = 0
    for event in events:
        encoded = orjson.dumps(event)
        if chunk and size + len(encoded) > MAX_BUNDLE_BYTES:
            yield _bundle(chunk, first)
            chunk, first, size = [], event, 0
        chunk.append(encoded)
        size += len(encoded) + 1
    yield _bundle(chunk, first)


def _bundle(encoded_events: list[bytes], first: dict[str, Any]) -> bytes:
    head = orjson.dumps(
        {
            "specversion": "1.0",
            "id": random_id(),
            "source": first["source"],
            "type": BUNDLE,
            "time": first["time"],
            "datacontenttype": "application/json",
        }
    )
    # The events are encoded once and spliced in, not dumped a second time inside the bundle.
    return head[:-1] + b',"data":{"events":[' + b",".join(encoded_events) + b"]}}"
