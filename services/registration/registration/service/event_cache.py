"""An event's definition read once per transaction (a batch), and parsed once per version of it.

A process keeps the events it parsed, by id and row version (events_store.VERSION). The sign-up
batch's first read (the duplicate and quota check) also returns the current row version of each
of its events, so an event this process already holds in that version needs no read of its own
and no parsing: one round trip fewer per batch. A version it does not hold (a new event, a
changed definition, a cancellation, a change made by another instance) is read as before, so
nothing stale is ever used."""

from collections.abc import Mapping

from registration.adapters import events_store
from registration.domain.signup_rules import KnownEvent
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_runtime.tx import Tx

# (event id, row version) → the event as parsed; the oldest goes when it is full.
_PARSED: dict[tuple[str, str], KnownEvent] = {}
_PARSED_MAX = 256


async def known_event(tx: Tx, event_id: str) -> KnownEvent | None:
    key = ("event", event_id)
    if key not in tx.cache:
        found = await events_store.load_row(tx.conn, event_id)
        if found is None:
            return None  # not cached: the catalog may still bring it
        version, definition, cancelled = found
        parsed = _PARSED.get((event_id, version))
        if parsed is None:
            parsed = KnownEvent(EventDefinition.model_validate_json(definition), cancelled)
            _remember(event_id, version, parsed)
        tx.cache[key] = parsed
    event: KnownEvent = tx.cache[key]
    return event


def use_parsed(tx: Tx, versions: Mapping[str, str]) -> None:
    """The batch's events whose current row version this process has parsed: into the
    transaction's cache, so `known_event` does not read them."""
    for event_id, version in versions.items():
        event = _PARSED.get((event_id, version))
        if event is not None:
            tx.cache.setdefault(("event", event_id), event)


def _remember(event_id: str, version: str, event: KnownEvent) -> None:
    if len(_PARSED) >= _PARSED_MAX:
        del _PARSED[next(iter(_PARSED))]
    _PARSED[(event_id, version)] = event
