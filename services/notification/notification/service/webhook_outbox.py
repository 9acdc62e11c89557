"""Offering a CloudEvent to the webhook subscriptions that want it, in the caller's
transaction: a delivery exists exactly when the fact it carries was committed."""

from asyncpg import Connection

from tilmeld_contracts.envelope import CloudEvent, encode

# One statement: every enabled subscription of this event (or of all events) whose types
# include this one (or that takes every type) gets a delivery; a replay adds nothing.
_OFFER = """
INSERT INTO webhook_deliveries (id, subscription_id, ordering_key, event_id, ce_source, ce_id,
                                ce_type, body)
SELECT gen_random_uuid(), s.id, $1, $2, $3, $4, $5, $6
FROM webhook_subscriptions s
WHERE s.disabled_at IS NULL AND (s.event_id IS NULL OR s.event_id = $2)
  AND (cardinality(s.types) = 0 OR $5 = ANY(s.types))
ON CONFLICT (subscription_id, ce_source, ce_id) DO NOTHING
"""


async def offer(conn: Connection, event: CloudEvent, event_id: str, ordering_key: str) -> None:
    await conn.execute(
        _OFFER, ordering_key, event_id, event.source, event.id, event.type, encode(event)
    )
