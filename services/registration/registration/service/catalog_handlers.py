"""Organisers' event definitions: record them and pass them on to the capacity service on the
same key, so capacity sees an event's definition before any of its seat requests."""

from registration.adapters import events_store
from registration.service.facts import emit_command
from tilmeld_contracts.catalog.v1 import EventCancelled, EventDefinition
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_runtime.tx import Tx


async def on_event_defined(tx: Tx, event: CloudEvent, definition: EventDefinition) -> None:
    await events_store.save(tx.conn, definition)
    emit_command(
        tx,
        capacity.DEFINE_EVENT,
        definition.id,
        definition.id,
        capacity.DefineEvent(event=definition),
    )


async def on_event_cancelled(tx: Tx, event: CloudEvent, data: EventCancelled) -> None:
    await events_store.mark_cancelled(tx.conn, data.event_id)
    emit_command(
        tx,
        capacity.CANCEL_EVENT,
        data.event_id,
        data.event_id,
        capacity.CancelEvent(event_id=data.event_id),
    )
