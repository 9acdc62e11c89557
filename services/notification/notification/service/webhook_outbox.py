"""Offering CloudEvents to the webhook subscriptions that want them, in the caller's
transaction: a delivery exists exactly when the fact it carries was committed."""

from collections.abc import Sequence
from dataclasses import dataclass

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

# The same for many events in one statement, their deliveries created in the order given.
_OFFER_MANY = """
INSERT INTO webhook_deliveries (id, subscription_id, ordering_key, event_id, ce_source, ce_id,
                                ce_type, body)
SELECT gen_random_uuid(), s.id, o.ordering_key, o.event_id, o.ce_source, o.ce_id, o.ce_type,
       o.body
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bytea[])
     WITH ORDINALITY AS o(ordering_key, event_id, ce_source, ce_id, ce_type, body, position)
JOIN webhook_subscriptions s
  ON s.disabled_at IS NULL AND (s.event_id IS NULL OR s.event_id = o.event_id)
 AND (cardinality(s.types) = 0 OR o.ce_type = ANY(s.types))
ORDER BY o.position, s.id
ON CONFLICT (subscription_id, ce_source, ce_id) DO NOTHING
"""


@dataclass(frozen=True)
class Offer:
    event: CloudEvent
    event_id: str
    # Deliveries with the same key (a registration, or an event) are made in order.
    ordering_key: str


async def offer(conn: Connection, event: CloudEvent, event_id: str, ordering_key: str) -> None:
    await conn.execute(
        _OFFER, ordering_key, event_id, event.source, event.id, event.type, encode(event)
    )


async def offer_many(conn: Connection, offers: Sequence[Offer]) -> None:
    if offers:
        await conn.execute(
            _OFFER_MANY,
            [o.ordering_key for o in offers],
            [o.event_id for o in offers],
            [o.event.source for o in offers],
            [o.event.id for o in offers],
            [o.event.type for o in offers],
            [encode(o.event) for o in offers],
        )
