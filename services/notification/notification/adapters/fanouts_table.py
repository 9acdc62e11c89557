"""Fan-outs (table `fanouts`): one row per organiser change, broadcast or reminder round, so
its progress can be followed (GET /fanouts, and the metrics)."""

from typing import Any
from uuid import UUID

from asyncpg import Connection


async def create(
    conn: Connection, fanout_id: UUID, event_id: str, kind: str, recipients: int
) -> None:
    await conn.execute(
        "INSERT INTO fanouts (id, event_id, kind, recipients) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (id) DO NOTHING",
        fanout_id,
        event_id,
        kind,
        recipients,
    )


async def progress(conn: Connection, event_id: str | None, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT f.id, f.event_id, f.kind, f.recipients, f.created_at,"
        " count(*) FILTER (WHERE j.status = 'sent') AS sent,"
        " count(*) FILTER (WHERE j.status = 'failed') AS failed,"
        " count(*) FILTER (WHERE j.status = 'skipped') AS skipped,"
        " count(*) FILTER (WHERE j.status = 'pending') AS pending"
        " FROM fanouts f LEFT JOIN mail_jobs j ON j.fanout_id = f.id"
        " WHERE $1::text IS NULL OR f.event_id = $1"
        " GROUP BY f.id ORDER BY f.created_at DESC LIMIT $2",
        event_id,
        limit,
    )
    return [
        {**dict(r), "id": str(r["id"]), "created_at": r["created_at"].isoformat()} for r in rows
    ]
