"""What a batch of registration facts needs to know before its handlers run, in one round trip:
the registrations it names, as the service last saw them, and whether any webhook subscription
is enabled (without one there is nothing to offer the facts to)."""

from collections.abc import Sequence
from dataclasses import dataclass

from asyncpg import Connection

from notification.adapters.registrations_table import attendance_of
from notification.domain.audience import Attendance

# The registrations, then one more row (registration_id NULL) if any subscription is enabled.
_READ = """
{registrations}
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL
WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE disabled_at IS NULL)
"""
_COLUMNS = "registration_id, event_id, status, attendee::text, sessions::text"
# Each id looked up by its key. Not `registration_id = ANY($1)`: its cached plan, made while the
# table was small (a fresh database), stays a scan of the whole table as the table grows, until
# the next ANALYZE; `OFFSET 0` keeps the lookup per id.
_READ_MANY = _READ.format(
    registrations=f"SELECT r.* FROM unnest($1::text[]) AS k(id), LATERAL (SELECT {_COLUMNS}"
    " FROM registrations WHERE registration_id = k.id OFFSET 0) AS r"
)
# One id (the usual batch while the consumer keeps up): a plain key lookup is cheaper still.
_READ_ONE = _READ.format(
    registrations=f"SELECT {_COLUMNS} FROM registrations WHERE registration_id = $1"
)


@dataclass(frozen=True)
class BatchView:
    attendances: dict[str, Attendance]
    webhooks: bool


async def read(conn: Connection, registration_ids: Sequence[str]) -> BatchView:
    ids = list(registration_ids)
    rows = await (conn.fetch(_READ_ONE, ids[0]) if len(ids) == 1 else conn.fetch(_READ_MANY, ids))
    return BatchView(
        attendances={
            row["registration_id"]: attendance_of(row)
            for row in rows
            if row["registration_id"] is not None
        },
        webhooks=any(row["registration_id"] is None for row in rows),
    )
