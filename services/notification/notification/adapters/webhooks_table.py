"""Webhook subscriptions, deliveries and the attempt log (tables `webhook_*`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Connection

from notification.adapters.webhook_config import WebhookConfig


@dataclass(frozen=True)
class Delivery:
    id: UUID
    subscription_id: str
    url: str
    secret: str
    body: bytes
    attempts: int
    created_at: datetime


async def sync(conn: Connection, config: WebhookConfig) -> None:
    """The file is the truth: subscriptions in it are created or updated (a changed url turns
    one disabled by a 410 back on), the others are disabled and their deliveries cancelled."""
    for s in config.subscriptions:
        await conn.execute(
            "INSERT INTO webhook_subscriptions (id, url, secret, event_id, types)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (id) DO UPDATE SET secret = excluded.secret,"
            "  event_id = excluded.event_id, types = excluded.types, updated_at = now(),"
            "  disabled_at = CASE WHEN webhook_subscriptions.url = excluded.url"
            "   AND webhook_subscriptions.disabled_reason <> 'removed_from_configuration'"
            "   THEN webhook_subscriptions.disabled_at END,"
            "  disabled_reason = CASE WHEN webhook_subscriptions.url = excluded.url"
            "   AND webhook_subscriptions.disabled_reason <> 'removed_from_configuration'"
            "   THEN webhook_subscriptions.disabled_reason END,"
            "  url = excluded.url",
            s.id,
            str(s.url),
            s.resolved_secret(),
            s.event_id,
            s.types,
        )
    kept = [s.id for s in config.subscriptions]
    for row in await conn.fetch(
        "SELECT id FROM webhook_subscriptions WHERE disabled_at IS NULL AND id <> ALL($1)", kept
    ):
        await disable(conn, row["id"], "removed_from_configuration")


async def disable(conn: Connection, subscription_id: str, reason: str) -> None:
    await conn.execute(
        "UPDATE webhook_subscriptions SET disabled_at = now(), disabled_reason = $2,"
        " updated_at = now() WHERE id = $1",
        subscription_id,
        reason,
    )
    await conn.execute(
        "UPDATE webhook_deliveries SET status = 'cancelled', finished_at = now(),"
        " last_error = COALESCE(last_error, '') || ' subscription disabled: ' || $2"
        " WHERE subscription_id = $1 AND status = 'pending'",
        subscription_id,
        reason,
    )


# The oldest due delivery of an enabled subscription with no earlier pending delivery of the
# same subscription and ordering key (that one may be in flight, or waiting for its retry).
_CLAIM_NEXT = """
SELECT d.id, d.subscription_id, s.url, s.secret, d.body, d.attempts, d.created_at
FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND s.disabled_at IS NULL
  AND NOT EXISTS (
      SELECT 1 FROM webhook_deliveries earlier
      WHERE earlier.subscription_id = d.subscription_id AND earlier.status = 'pending'
        AND earlier.ordering_key = d.ordering_key AND earlier.seq < d.seq)
ORDER BY d.seq
LIMIT 1
FOR UPDATE OF d SKIP LOCKED
"""


async def claim_next(conn: Connection, now: datetime) -> Delivery | None:
    row = await conn.fetchrow(_CLAIM_NEXT, now)
    return Delivery(**dict(row)) if row is not None else None


async def log_attempt(
    conn: Connection,
    delivery_id: UUID,
    at: datetime,
    status: int | None,
    error: str | None,
    duration_ms: int,
) -> None:
    await conn.execute(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, status_code, error,"
        " duration_ms) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        delivery_id,
        at,
        status,
        error,
        duration_ms,
    )


async def finish(
    conn: Connection, delivery_id: UUID, status: str, code: int | None, error: str | None
) -> None:
    await conn.execute(
        "UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, last_status = $3,"
        " last_error = $4, finished_at = now() WHERE id = $1",
        delivery_id,
        status,
        code,
        error,
    )


async def retry_at(
    conn: Connection, delivery_id: UUID, at: datetime, code: int | None, error: str | None
) -> None:
    await conn.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = $2,"
        " last_status = $3, last_error = $4 WHERE id = $1",
        delivery_id,
        at,
        code,
        error,
    )


async def count_pending(conn: Connection) -> int:
    return int(
        await conn.fetchval("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
    )


async def subscriptions(conn: Connection) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, url, event_id, types, disabled_at, disabled_reason FROM"
        " webhook_subscriptions ORDER BY id"
    )
    return [{**dict(r), "disabled_at": _iso(r["disabled_at"])} for r in rows]


async def deliveries(
    conn: Connection, subscription_id: str | None, status: str | None, limit: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT id, subscription_id, ordering_key, event_id, ce_id, ce_type, status, attempts,"
        " next_attempt_at, last_status, last_error, created_at, finished_at"
        " FROM webhook_deliveries WHERE ($1::text IS NULL OR subscription_id = $1)"
        " AND ($2::text IS NULL OR status = $2) ORDER BY seq DESC LIMIT $3",
        subscription_id,
        status,
        limit,
    )
    return [
        {
            **dict(r),
            "id": str(r["id"]),
            "next_attempt_at": _iso(r["next_attempt_at"]),
            "created_at": _iso(r["created_at"]),
            "finished_at": _iso(r["finished_at"]),
        }
        for r in rows
    ]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None
