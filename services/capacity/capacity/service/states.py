"""Event states kept between commands, so a command neither reloads the whole event nor writes
on its own.

Within one transaction (a consumed batch) the working state lives in `tx.cache`, and what the
batch changed is written in the batch's closing statement (`tx.write_at_commit`). Across
transactions this process keeps the state it committed last, with the version token it wrote
to the event row; the next transaction reuses it only if the row still carries that token, i.e.
nobody (another instance after a rebalance, a rolled-back attempt) changed the event since.
Anything else reloads from the database, which stays the source of truth.

In a batch's optimistic attempt (`Tx.reads_unlocked`) the token and the state are read without
a lock, and the batch's write of the event row fails its closing statement unless the row still
carries the token read: the batch is then handled again with the row locked. A rebalance is the
only time two instances decide one event, so that is rare, and the usual batch is two round
trips: the token and the closing statement. An event's first batch locks (its row is created)."""

import contextlib
import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from capacity.adapters import store
from capacity.domain import EventState
from tilmeld_runtime.tx import Tx
from tilmeld_runtime.writes import Write


@dataclass
class Working:
    """One event within a transaction."""

    at_start: EventState  # as committed before this transaction
    state: EventState  # after the commands handled so far
    known: set[str]  # every registration id the event has, whatever its status
    touched: set[str] = field(default_factory=set)
    changed: bool = False
    read: store.Unchanged | None = None  # read without a lock: the token to check at the close


@dataclass(frozen=True)
class Committed:
    version: UUID
    state: EventState
    known: frozenset[str]


class EventStates:
    def __init__(self, limit: int = 64) -> None:
        self._committed: dict[str, Committed] = {}
        self._limit = limit

    async def load(self, tx: Tx, event_id: str, named: str | None) -> EventState:
        working = await self._working(tx, event_id)
        if (
            named is not None
            and named not in working.state.registrations
            and named in working.known
        ):
            with _unlocked(tx, working.read):
                found = await store.load_one(tx.conn, event_id, named)
            if found is not None:  # a closed registration a command names again
                working.state = working.state.with_put(found)
                working.at_start = working.at_start.with_put(found)
        return working.state

    def saved(self, tx: Tx, after: EventState, touched: set[str], decided: bool) -> None:
        """Record the state after a command; its rows are written before the commit."""
        working: Working = tx.cache[("capacity", after.event_id)]
        working.state = after
        if not decided:
            return
        working.touched |= touched
        working.known |= touched
        working.changed = True

    async def _working(self, tx: Tx, event_id: str) -> Working:
        key = ("capacity", event_id)
        if key in tx.cache:
            working: Working = tx.cache[key]
            return working
        read = None
        if tx.reads_unlocked is not None:
            with tx.reads_unlocked():
                read = await store.read_version(tx.conn, event_id)
        version = read.version if read is not None else await store.lock(tx.conn, event_id)
        cached = self._committed.get(event_id)
        if version is not None and cached is not None and cached.version == version:
            working = Working(cached.state, cached.state, set(cached.known), read=read)
        else:
            with _unlocked(tx, read):
                state = await store.read_state(tx.conn, event_id)
                known = await store.registration_ids(tx.conn, event_id)
            working = Working(state, state, known, read=read)
        tx.cache[key] = working
        tx.write_at_commit("capacity-states", lambda: self._changes(tx))
        return working

    def _changes(self, tx: Tx) -> list[Write]:
        """What the batch changed, event by event, for its closing statement."""
        writes: list[Write] = []
        for key, working in list(tx.cache.items()):
            if not (isinstance(key, tuple) and key[0] == "capacity") or not working.changed:
                continue
            event_id = key[1]
            version = uuid4()
            writes += store.changes(
                working.at_start, working.state, working.touched, version, working.read
            )
            done = Committed(version, working.state, frozenset(working.known))
            tx.after_commit(functools.partial(self._remember, event_id, done))
        return writes

    def _remember(self, event_id: str, committed: Committed) -> None:
        if len(self._committed) >= self._limit and event_id not in self._committed:
            self._committed.pop(next(iter(self._committed)))
        self._committed[event_id] = committed


@contextlib.contextmanager
def _unlocked(tx: Tx, read: store.Unchanged | None) -> Iterator[None]:
    """Reads without beginning the transaction where the event's token was read so (`read`);
    where the row is locked instead, as they are, in the transaction."""
    if read is None or tx.reads_unlocked is None:
        yield
        return
    with tx.reads_unlocked():
        yield
