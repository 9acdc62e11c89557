"""tilmeld.catalog → what we know of each event (titles, dates, sessions, meetings)."""

from typing import Any

from notification.adapters import events_table
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime.pipeline import Route, Tx


async def on_definition(tx: Tx, event: CloudEvent, definition: catalog.EventDefinition) -> None:
    await events_table.upsert_definition(tx.conn, definition)


async def on_cancelled(tx: Tx, event: CloudEvent, cancelled: catalog.EventCancelled) -> None:
    await events_table.mark_cancelled(tx.conn, cancelled.event_id, cancelled.reason)


def catalog_routes() -> dict[str, Route[Any]]:
    return {
        catalog.EVENT_PUBLISHED: Route(catalog.EventDefinition, on_definition),
        catalog.EVENT_CHANGED: Route(catalog.EventDefinition, on_definition),
        catalog.EVENT_CANCELLED: Route(catalog.EventCancelled, on_cancelled),
    }
