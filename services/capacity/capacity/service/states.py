"""Event states kept between commands, so a command does not reload the whole event.

Within one transaction (a consumed batch) the working state lives in `tx.cache`. Across
transactions this process keeps the state it committed last, with the version token it wrote
to the event row; the next transaction reuses it only if the locked row still carries that
token, i.e. nobody (another instance after a rebalance, a rolled-back attempt) changed the
event since. Anything else reloads from the database, which stays the source of truth."""

from dataclasses import replace
from uuid import UUID, uuid4

from capacity.adapters import store
from capacity.domain import EventState
from tilmeld_runtime.pipeline import Tx


class EventStates:
    def __init__(self, limit: int = 64) -> None:
        self._committed: dict[str, tuple[UUID, EventState]] = {}
        self._limit = limit

    async def load(self, tx: Tx, event_id: str, named: str | None) -> EventState:
        state: EventState | None = tx.cache.get(("capacity-state", event_id))
        if state is None:
            version = await store.lock(tx.conn, event_id)
            cached = self._committed.get(event_id)
            if version is not None and cached is not None and cached[0] == version:
                state = cached[1]
            else:
                state = await store.load(tx.conn, event_id, named)
        if named is not None and named not in state.registrations:
            known = await store.load_one(tx.conn, event_id, named)
            if known is not None:
                state = replace(state, registrations={**state.registrations, named: known})
        tx.cache[("capacity-state", event_id)] = state
        return state

    async def saved(self, tx: Tx, after: EventState, changed: bool) -> None:
        """Record the state after a command; once per transaction and event, a new version."""
        event_id = after.event_id
        tx.cache[("capacity-state", event_id)] = after
        if not changed or ("capacity-version", event_id) in tx.cache:
            return
        version = uuid4()
        tx.cache[("capacity-version", event_id)] = version
        await store.set_version(tx.conn, event_id, version)
        tx.after_commit(lambda: self._remember(tx, event_id, version))

    def _remember(self, tx: Tx, event_id: str, version: UUID) -> None:
        if len(self._committed) >= self._limit and event_id not in self._committed:
            self._committed.pop(next(iter(self._committed)))
        self._committed[event_id] = (version, tx.cache[("capacity-state", event_id)])
