"""One event's seats in PostgreSQL. The event row's version token changes with every committed
change to the event. A batch reads the event either with the row locked for its transaction
(`lock`, `load`), so two consumers briefly owning the same partition during a rebalance take
turns, or optimistically without a lock (`read_version`, `read_state`), its write then checking
that the token is still the one it read (`Unchanged`). `changes` are the writes of only the rows
a command changed, with the timer of each offer opened or closed: parts of the batch's closing
statement (`save` sends them one by one)."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from capacity.adapters.codec import dump_choices, dump_layout, load_choices, load_layout
from capacity.adapters.offer_timers import OfferTimer, timers_cleared, timers_set
from capacity.domain import ACTIVE, EventState, Registration, Status
from capacity.domain.model import Sessions
from tilmeld_runtime.writes import Write, unchanged

_ACTIVE = [status.value for status in ACTIVE]


async def lock(conn: asyncpg.Connection, event_id: str) -> UUID | None:
    """Lock the event row for this transaction (creating it the first time); returns its
    version token. The row exists after an event's first command: one statement from then on."""
    lock_row = "SELECT version FROM capacity_event WHERE event_id = $1 FOR UPDATE"
    found = await conn.fetchrow(lock_row, event_id)
    if found is None:
        await conn.execute(
            "INSERT INTO capacity_event (event_id) VALUES ($1) ON CONFLICT DO NOTHING", event_id
        )
        found = await conn.fetchrow(lock_row, event_id)
    version: UUID | None = found["version"]
    return version


@dataclass(frozen=True)
class Unchanged:
    """The event row's version token as read without a lock: the batch's write of the event row
    fails the whole closing statement unless the row still carries it."""

    version: UUID | None


async def read_version(conn: asyncpg.Connection, event_id: str) -> Unchanged | None:
    """The event row's version token, without a lock; None if the event has no row yet."""
    found = await conn.fetchrow("SELECT version FROM capacity_event WHERE event_id = $1", event_id)
    return None if found is None else Unchanged(found["version"])


async def registration_ids(conn: asyncpg.Connection, event_id: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT registration_id FROM capacity_registration WHERE event_id = $1", event_id
    )
    return {r["registration_id"] for r in rows}


async def load_one(
    conn: asyncpg.Connection, event_id: str, registration_id: str
) -> Registration | None:
    """One registration whatever its status (a command names it; the state may lack it)."""
    row = await conn.fetchrow(
        "SELECT registration_id, arrival, status, organisation_key, choices, offer_expires_at"
        " FROM capacity_registration WHERE event_id = $1 AND registration_id = $2",
        event_id,
        registration_id,
    )
    if row is None:
        return None
    seats = await conn.fetch(
        "SELECT round_id, session_id FROM capacity_session_seat"
        " WHERE event_id = $1 AND registration_id = $2",
        event_id,
        registration_id,
    )
    return _registration(row, {s["round_id"]: s["session_id"] for s in seats})


async def load(conn: asyncpg.Connection, event_id: str, named: str | None = None) -> EventState:
    """The event with its active registrations, plus registration `named` whatever its status
    (the one a command names, so a replayed request is recognised). Locks the event row."""
    await lock(conn, event_id)
    return await read_state(conn, event_id, named)


async def read_state(
    conn: asyncpg.Connection, event_id: str, named: str | None = None
) -> EventState:
    """`load` without the lock: the event row must exist. Read without a lock, its statements
    may see different commits; the version token read before them tells (`Unchanged`)."""
    event = await conn.fetchrow(
        "SELECT layout, cancelled, arrivals FROM capacity_event WHERE event_id = $1", event_id
    )
    assert event is not None
    rows = await conn.fetch(
        "SELECT registration_id, arrival, status, organisation_key, choices, offer_expires_at"
        " FROM capacity_registration"
        " WHERE event_id = $1 AND (status = ANY($2::text[]) OR registration_id = $3)"
        " ORDER BY arrival",
        event_id,
        _ACTIVE,
        named,
    )
    sessions: dict[str, dict[str, str | None]] = defaultdict(dict)
    for seat in await conn.fetch(
        "SELECT registration_id, round_id, session_id FROM capacity_session_seat"
        " WHERE event_id = $1",
        event_id,
    ):
        sessions[seat["registration_id"]][seat["round_id"]] = seat["session_id"]
    registrations = {
        row["registration_id"]: _registration(row, sessions.get(row["registration_id"], {}))
        for row in rows
    }
    return EventState(
        event_id=event_id,
        layout=load_layout(event["layout"]) if event["layout"] is not None else None,
        cancelled=event["cancelled"],
        arrivals=event["arrivals"],
        registrations=registrations,
    )


def _registration(row: asyncpg.Record, sessions: Sessions) -> Registration:
    return Registration(
        registration_id=row["registration_id"],
        organisation_key=row["organisation_key"],
        arrival=row["arrival"],
        status=Status(row["status"]),
        choices=load_choices(row["choices"]),
        sessions=sessions,
        offer_expires_at=row["offer_expires_at"],
    )


async def save(
    conn: asyncpg.Connection,
    before: EventState,
    after: EventState,
    touched: Collection[str] | None = None,
    version: UUID | None = None,
    read: Unchanged | None = None,
) -> None:
    """Write the difference between the state `load` returned and the state after the decisions
    (`changes`), a statement each."""
    for write in changes(before, after, touched, version, read):
        await conn.execute(write.sql, *write.args)


def changes(
    before: EventState,
    after: EventState,
    touched: Collection[str] | None = None,
    version: UUID | None = None,
    read: Unchanged | None = None,
) -> list[Write]:
    """The writes that take the stored event from `before` to `after`. `touched` (the
    registrations the decisions name) spares comparing every registration; `version`, the event
    row's new version token, goes into the same write as the event's own columns, which with
    `read` (the state was read without a lock) fails unless the row still carries the token
    read. Each touches rows no other touches, so they can be parts of one statement
    (tilmeld_runtime.writes)."""
    event_id = after.event_id
    writes = [w for w in [_event_change(before, after, version, read)] if w is not None]
    candidates = after.registrations.keys() if touched is None else touched
    changed = [
        r
        for rid in candidates
        if (r := after.registrations[rid]) is not before.registrations.get(rid)
        and r != before.registrations.get(rid)
    ]
    if not changed:
        return writes
    # One write for the batch (not one per row): the rows of a whole batch of decisions.
    writes.append(
        Write(
            "INSERT INTO capacity_registration"
            " (event_id, registration_id, arrival, status, organisation_key, choices,"
            "  offer_expires_at)"
            " SELECT $1, registration_id, arrival, status, organisation_key, choices::jsonb,"
            "  offer_expires_at"
            " FROM unnest($2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[],"
            "  $7::timestamptz[])"
            "  AS r(registration_id, arrival, status, organisation_key, choices, offer_expires_at)"
            " ON CONFLICT (event_id, registration_id) DO UPDATE"
            " SET status = EXCLUDED.status, choices = EXCLUDED.choices,"
            "  offer_expires_at = EXCLUDED.offer_expires_at, updated_at = now()",
            (
                event_id,
                [r.registration_id for r in changed],
                [r.arrival for r in changed],
                [r.status.value for r in changed],
                [r.organisation_key for r in changed],
                [dump_choices(r.choices) for r in changed],
                [r.offer_expires_at for r in changed],
            ),
        )
    )
    seats = _seat_changes(before, event_id, changed)
    return writes + seats + _timer_changes(before, event_id, changed)


def _event_change(
    before: EventState, after: EventState, version: UUID | None, read: Unchanged | None
) -> Write | None:
    """Only the columns that changed: the layout (JSON) changes on a definition, the arrival
    counter on most batches."""
    values: list[object] = [after.event_id]
    columns: list[str] = []
    if before.layout != after.layout:
        values.append(dump_layout(after.layout) if after.layout else None)
        columns.append(f"layout = ${len(values)}::jsonb")
    for name in ("cancelled", "arrivals"):
        if getattr(before, name) != getattr(after, name):
            values.append(getattr(after, name))
            columns.append(f"{name} = ${len(values)}")
    if columns:
        columns.append("updated_at = now()")
    if version is not None:
        values.append(version)
        columns.append(f"version = ${len(values)}")
    if read is not None and not columns:
        columns.append("version = version")  # nothing to write, but still the check
    if not columns:
        return None
    where = "event_id = $1"
    if read is not None:
        values.append(read.version)
        check = unchanged("version", f"${len(values)}::uuid", "'capacity_event ' || event_id")
        where += f" AND {check}"
    return Write(f"UPDATE capacity_event SET {', '.join(columns)} WHERE {where}", tuple(values))


def _seat_changes(before: EventState, event_id: str, changed: list[Registration]) -> list[Write]:
    """The session seats of registrations whose seats moved: the rounds they no longer hold
    deleted, the rest written over. The two touch different rows (one statement may hold
    both), and an upsert instead of delete-then-insert keeps it so."""

    def sessions_before(r: Registration) -> Sessions:
        known = before.registrations.get(r.registration_id)
        return known.sessions if known is not None else {}

    moved = [r for r in changed if sessions_before(r) != r.sessions]
    if not moved:
        return []
    seats = [(r.registration_id, k, v) for r in moved for k, v in r.sessions.items()]
    gone = [
        (r.registration_id, round_id)
        for r in moved
        for round_id in sessions_before(r)
        if round_id not in r.sessions
    ]
    writes = []
    if gone:
        writes.append(
            Write(
                "DELETE FROM capacity_session_seat WHERE event_id = $1"
                " AND (registration_id, round_id) IN"
                "  (SELECT * FROM unnest($2::text[], $3::text[]))",
                (event_id, [g[0] for g in gone], [g[1] for g in gone]),
            )
        )
    if seats:
        writes.append(
            Write(
                "INSERT INTO capacity_session_seat"
                " (event_id, registration_id, round_id, session_id)"
                " SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])"
                " ON CONFLICT (event_id, registration_id, round_id)"
                " DO UPDATE SET session_id = EXCLUDED.session_id",
                (event_id, [s[0] for s in seats], [s[1] for s in seats], [s[2] for s in seats]),
            )
        )
    return writes


def _timer_changes(before: EventState, event_id: str, changed: list[Registration]) -> list[Write]:
    def expiry_before(r: Registration) -> object:
        known = before.registrations.get(r.registration_id)
        return known.offer_expires_at if known is not None else None

    cleared = [
        r.registration_id
        for r in changed
        if r.offer_expires_at is None and expiry_before(r) is not None
    ]
    set_ = [
        OfferTimer(event_id, r.registration_id, r.offer_expires_at)
        for r in changed
        if r.offer_expires_at is not None and r.offer_expires_at != expiry_before(r)
    ]
    writes = [timers_cleared(event_id, cleared), timers_set(set_)]
    return [w for w in writes if w is not None]
