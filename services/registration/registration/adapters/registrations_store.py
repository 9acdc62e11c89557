"""Registrations table access. Every function runs on the caller's connection/transaction."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from tilmeld_contracts.signups.v1 import Attendee


@dataclass(frozen=True)
class Registration:
    id: str
    event_id: str
    attendee: Attendee
    choices: dict[str, list[str]]
    status: str
    sessions: dict[str, str | None]
    session_waitlists: dict[str, list[str]]
    position: int | None
    offer_expires_at: datetime | None
    reason: str | None
    request_source: str
    request_id: str
    detail: str | None = None


def row_to_registration(row: asyncpg.Record) -> Registration:
    return Registration(
        id=row["id"],
        event_id=row["event_id"],
        # Validated when it arrived; rebuilding it unchecked saves the email validator's time.
        attendee=Attendee.model_construct(**orjson.loads(row["attendee"])),
        choices=orjson.loads(row["choices"]),
        status=row["status"],
        sessions=orjson.loads(row["sessions"]),
        session_waitlists=orjson.loads(row["session_waitlists"]),
        position=row["position"],
        offer_expires_at=row["offer_expires_at"],
        reason=row["reason"],
        request_source=row["request_source"],
        request_id=row["request_id"],
        detail=row["detail"],
    )


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


async def insert(
    conn: asyncpg.Connection,
    *,
    id: str,
    event_id: str,
    attendee: Attendee,
    organisation_key: str,
    choices: dict[str, list[str]],
    status: str,
    request_source: str,
    request_id: str,
    reason: str | None = None,
    detail: str | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO registrations (id, event_id, email, organisation_key, attendee, choices,"
        " status, request_source, request_id, reason, detail)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11)"
        " ON CONFLICT (id) DO NOTHING",
        id,
        event_id,
        attendee.email.lower(),
        organisation_key,
        attendee.model_dump_json(),
        json_text(choices),
        status,
        request_source,
        request_id,
        reason,
        detail,
    )


async def get(conn: asyncpg.Connection | asyncpg.Pool, registration_id: str) -> Registration | None:
    row = await conn.fetchrow("SELECT * FROM registrations WHERE id = $1", registration_id)
    return row_to_registration(row) if row else None


async def find_active_by_email(
    conn: asyncpg.Connection, event_id: str, email: str
) -> Registration | None:
    row = await conn.fetchrow(
        "SELECT * FROM registrations WHERE event_id = $1 AND email = $2 AND active"
        " ORDER BY created_at LIMIT 1",
        event_id,
        email.lower(),
    )
    return row_to_registration(row) if row else None


async def update(
    conn: asyncpg.Connection, registration_id: str, **fields: Any
) -> Registration | None:
    """Set the given columns (dicts are stored as JSON) and return the updated registration."""
    columns = list(fields)
    assignments = ", ".join(
        f"{name} = ${i + 2}" + ("::jsonb" if isinstance(fields[name], dict) else "")
        for i, name in enumerate(columns)
    )
    values = [json_text(v) if isinstance(v, dict) else v for v in fields.values()]
    row = await conn.fetchrow(
        f"UPDATE registrations SET {assignments}, updated_at = now() WHERE id = $1 RETURNING *",
        registration_id,
        *values,
    )
    return row_to_registration(row) if row else None


async def active_in_event(conn: asyncpg.Connection, event_id: str) -> list[Registration]:
    rows = await conn.fetch("SELECT * FROM registrations WHERE event_id = $1 AND active", event_id)
    return [row_to_registration(r) for r in rows]
