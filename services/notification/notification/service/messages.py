"""tilmeld.organiser-messages → the organiser's text to every confirmed attendee."""

import logging
from typing import Any

from notification.adapters import registrations_table
from notification.service import fanout
from tilmeld_contracts.catalog import messages_v1 as messages
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_runtime.pipeline import Route
from tilmeld_runtime.tx import Tx

log = logging.getLogger(__name__)


async def on_message(tx: Tx, event: CloudEvent, message: messages.MessageRequested) -> None:
    audience = await registrations_table.of_event(tx.conn, message.event_id, ["confirmed"])
    count = await fanout.enqueue(
        tx.conn,
        source=event.source,
        cause_id=event.id,
        fact_type=event.type,
        kind="message",
        event_id=message.event_id,
        audience=audience,
        payload=lambda _: {"text": message.text, "subject": message.subject},
    )
    log.info("organiser message for %s: %d recipients", message.event_id, count)


def message_routes() -> dict[str, Route[Any]]:
    return {messages.MESSAGE_REQUESTED: Route(messages.MessageRequested, on_message)}
