"""Set-based access to the registrations table: one statement for a whole batch, so a batch of
500 sign-ups or decisions costs a handful of round trips instead of a thousand."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import asyncpg

from registration.adapters import events_store
from registration.adapters.registrations_store import Registration, json_text, row_to_registration
from registration.domain import statuses
from tilmeld_contracts.signups.v1 import Attendee
from tilmeld_runtime.writes import Write

EmailKey = tuple[str, str]  # (event id, lower-cased email)
OrganisationKey = tuple[str, str]  # (event id, organisation key)


# Both halves of a batch's duplicate and quota check in one round trip, and the row versions of
# the batch's events (event_cache.py). `active` is derived from `status` (migration 0003), and
# the partial indexes on active registrations are built on it.
_HOLDINGS = f"""
SELECT 'email' AS kind, e.event_id, e.email AS key, e.id, 0::bigint AS n FROM (
    SELECT DISTINCT ON (r.event_id, r.email) r.event_id, r.email, r.id
    FROM registrations r
    JOIN unnest($1::text[], $2::text[]) AS k(event_id, email)
      ON r.event_id = k.event_id AND r.email = k.email
    WHERE r.active
    ORDER BY r.event_id, r.email, r.created_at
) e
UNION ALL
SELECT 'organisation', r.event_id, r.organisation_key, NULL, count(*)
FROM registrations r
JOIN unnest($3::text[], $4::text[]) AS k(event_id, organisation_key)
  ON r.event_id = k.event_id AND r.organisation_key = k.organisation_key
WHERE r.active
GROUP BY r.event_id, r.organisation_key
UNION ALL
SELECT 'event', id, {events_store.VERSION}, NULL, 0 FROM events WHERE id = ANY($5::text[])
"""


@dataclass(frozen=True, slots=True)
class ActiveHoldings:
    by_email: dict[EmailKey, str]  # the oldest active registration of (event, email)
    per_organisation: dict[OrganisationKey, int]  # active registrations of (event, organisation)
    event_versions: dict[str, str]  # each known event's row version (events_store.VERSION)


async def active_holdings(
    conn: asyncpg.Connection,
    emails: Iterable[EmailKey],
    organisations: Iterable[OrganisationKey],
    events: Iterable[str] = (),
) -> ActiveHoldings:
    """The oldest active registration of each (event, email) that has one, the number of
    active registrations of each (event, organisation) that has any, and the row versions of
    those of `events` that are known."""
    rows = await conn.fetch(
        _HOLDINGS, *_columns(emails), *_columns(organisations), sorted(set(events))
    )
    return ActiveHoldings(
        by_email={(r["event_id"], r["key"]): r["id"] for r in rows if r["kind"] == "email"},
        per_organisation={
            (r["event_id"], r["key"]): int(r["n"]) for r in rows if r["kind"] == "organisation"
        },
        event_versions={r["event_id"]: r["key"] for r in rows if r["kind"] == "event"},
    )


async def by_ids(conn: asyncpg.Connection, ids: Sequence[str]) -> dict[str, Registration]:
    rows = await conn.fetch("SELECT * FROM registrations WHERE id = ANY($1::text[])", list(ids))
    return {r["id"]: row_to_registration(r) for r in rows}


@dataclass(frozen=True, slots=True)
class NewRegistration:
    id: str
    event_id: str
    attendee: Attendee
    organisation_key: str
    choices: dict[str, list[str]]
    request_source: str
    request_id: str
    status: str = statuses.PENDING


async def insert_new(conn: asyncpg.Connection, rows: Sequence[NewRegistration]) -> None:
    """Insert new registrations; an id that exists already (a replay) is left alone."""
    write = new_registrations(rows)
    if write is not None:
        await conn.execute(write.sql, *write.args)


def new_registrations(rows: Sequence[NewRegistration]) -> Write | None:
    """The statement of `insert_new` (None: no rows)."""
    if not rows:
        return None
    return Write(
        "INSERT INTO registrations (id, event_id, email, organisation_key, attendee, choices,"
        " status, request_source, request_id)"
        " SELECT id, event_id, email, organisation_key, attendee::jsonb, choices::jsonb,"
        "  status, request_source, request_id"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
        "  $7::text[], $8::text[], $9::text[])"
        "  AS n(id, event_id, email, organisation_key, attendee, choices, status,"
        "   request_source, request_id)"
        " ON CONFLICT (id) DO NOTHING",
        (
            [r.id for r in rows],
            [r.event_id for r in rows],
            [r.attendee.email.lower() for r in rows],
            [r.organisation_key for r in rows],
            [r.attendee.model_dump_json() for r in rows],
            [json_text(r.choices) for r in rows],
            [r.status for r in rows],
            [r.request_source for r in rows],
            [r.request_id for r in rows],
        ),
    )


async def save_decided(conn: asyncpg.Connection, rows: Sequence[Registration]) -> None:
    """Write the fields decisions change, for every registration in `rows`."""
    write = decided_registrations(rows)
    if write is not None:
        await conn.execute(write.sql, *write.args)


def decided_registrations(rows: Sequence[Registration]) -> Write | None:
    """The statement of `save_decided` (None: no rows)."""
    if not rows:
        return None
    return Write(
        "UPDATE registrations r SET status = u.status, sessions = u.sessions::jsonb,"
        " session_waitlists = u.session_waitlists::jsonb, position = u.position,"
        " offer_expires_at = u.offer_expires_at, reason = u.reason, detail = u.detail,"
        " updated_at = now()"
        " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[],"
        "  $6::timestamptz[], $7::text[], $8::text[])"
        "  AS u(id, status, sessions, session_waitlists, position, offer_expires_at, reason,"
        "   detail)"
        " WHERE r.id = u.id",
        (
            [r.id for r in rows],
            [r.status for r in rows],
            [json_text(r.sessions) for r in rows],
            [json_text(r.session_waitlists) for r in rows],
            [r.position for r in rows],
            [r.offer_expires_at for r in rows],
            [r.reason for r in rows],
            [r.detail for r in rows],
        ),
    )


def _columns(keys: Iterable[tuple[str, str]]) -> tuple[list[str], list[str]]:
    unique = sorted(set(keys))
    return [k[0] for k in unique], [k[1] for k in unique]
