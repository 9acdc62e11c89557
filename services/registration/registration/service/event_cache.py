"""An event's definition read once per transaction (a batch), not once per sign-up."""

from registration.adapters import events_store
from registration.domain.signup_rules import KnownEvent
from tilmeld_runtime.tx import Tx


async def known_event(tx: Tx, event_id: str) -> KnownEvent | None:
    key = ("event", event_id)
    if key not in tx.cache:
        found = await events_store.load(tx.conn, event_id)
        if found is None:
            return None  # not cached: the catalog may still bring it
        tx.cache[key] = found
    event: KnownEvent = tx.cache[key]
    return event
