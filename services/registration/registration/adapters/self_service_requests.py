"""Publishing what an attendee confirmed on a self-service page: the input goes on
tilmeld.signups through this service's own outbox, so it is as durable as any other record we
publish, and it reaches the signups pipeline exactly like an outside system's input."""

from datetime import datetime

import asyncpg

from registration.domain.self_service import SignupsInput
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import new_event
from tilmeld_runtime import inbox, outbox

SOURCE = "urn:tilmeld:selvbetjening"
# The HTTP request is an input too: claiming it here (under a source of its own, so the signups
# pipeline's later claim of the published record is not mistaken for a duplicate) means a
# double click puts one record in the outbox, not two.
HTTP_INBOX_SOURCE = "http:selvbetjening"


async def publish(conn: asyncpg.Connection, request: SignupsInput, now: datetime) -> bool:
    """Queue the input in the caller's transaction; False if this very input was queued before."""
    if not await inbox.claim(conn, HTTP_INBOX_SOURCE, request.id, "http"):
        return False
    event = new_event(
        type=request.type,
        source=SOURCE,
        id=request.id,
        time=now,
        subject=request.data["registration_id"],
        data=request.data,
    )
    await outbox.enqueue_events(conn, [(topics.SIGNUPS, request.data["event_id"], event)])
    return True
