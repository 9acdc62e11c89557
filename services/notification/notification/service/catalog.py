"""tilmeld.catalog → what we know of each event, its reminder schedule, and a change notice to
exactly the people an organiser's change concerns."""

import logging
from typing import Any

from notification.adapters import events_table, registrations_table, reminders_table
from notification.domain.audience import ACTIVE
from notification.domain.changes import changes_between, concerning
from notification.domain.reminders import slots_for
from notification.service import fanout, webhook_outbox
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime.pipeline import Route
from tilmeld_runtime.tx import Tx

log = logging.getLogger(__name__)


async def on_definition(tx: Tx, event: CloudEvent, definition: catalog.EventDefinition) -> None:
    previous = await events_table.definition(tx.conn, definition.id)
    await events_table.upsert_definition(tx.conn, definition)
    await webhook_outbox.offer(tx.conn, event, definition.id, definition.id)
    if await events_table.is_cancelled(tx.conn, definition.id):
        return
    await reminders_table.replace_unfired(tx.conn, definition.id, slots_for(definition, tx.now))
    # `published` again after a first publication is a change too, whatever the organiser used.
    changes = changes_between(previous, definition) if previous is not None else []
    if not changes:
        return
    people = await registrations_table.of_event(tx.conn, definition.id, ACTIVE)
    told = {a.registration_id: concerning(changes, a) for a in people}
    audience = [a for a in people if told[a.registration_id]]
    count = await fanout.enqueue(
        tx.conn,
        source=event.source,
        cause_id=event.id,
        fact_type=event.type,
        kind="event_changed",
        event_id=definition.id,
        audience=audience,
        payload=lambda a: {"changes": [c.model_dump(mode="json") for c in told[a.registration_id]]},
    )
    log.info(
        "%s changed (%s): notifying %d of %d people",
        definition.id,
        ", ".join(sorted({c.kind for c in changes})),
        count,
        len(people),
    )


async def on_cancelled(tx: Tx, event: CloudEvent, cancelled: catalog.EventCancelled) -> None:
    """Attendees hear of it from the registration service's `registration.cancelled` facts
    (reason event_cancelled, one per person with a seat, offer or place on the waiting list):
    mailing here as well would tell them twice."""
    await events_table.mark_cancelled(tx.conn, cancelled.event_id, cancelled.reason)
    await reminders_table.drop_unfired(tx.conn, cancelled.event_id)
    await webhook_outbox.offer(tx.conn, event, cancelled.event_id, cancelled.event_id)


def catalog_routes() -> dict[str, Route[Any]]:
    return {
        catalog.EVENT_PUBLISHED: Route(catalog.EventDefinition, on_definition),
        catalog.EVENT_CHANGED: Route(catalog.EventDefinition, on_definition),
        catalog.EVENT_CANCELLED: Route(catalog.EventCancelled, on_cancelled),
    }
