"""The transaction a handler runs in, as the handler sees it."""

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from tilmeld_contracts.envelope import CORRELATION_ATTRIBUTE, CloudEvent
from tilmeld_runtime import tracing
from tilmeld_runtime.writes import Write


@dataclass
class Tx:
    """What a handler may touch: the transaction's connection, the clock, `emit`, a cache that
    lives as long as the transaction (a batch), callbacks to run once it committed, and the
    input being handled (with its correlation id, which `emit` passes on)."""

    conn: asyncpg.Connection
    now: datetime
    pending: list[tuple[str, str, CloudEvent]] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)
    committed: list[Callable[[], None]] = field(default_factory=list)
    flushes: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    writes: dict[str, Callable[[], Sequence[Write]]] = field(default_factory=dict)
    input: CloudEvent | None = None
    correlation_id: str | None = None
    # The trace context of each pending event (the handler's span), sent as its headers.
    trace: list[list[tuple[str, bytes]]] = field(default_factory=list)
    # Set in a batch's optimistic attempt (pipeline.py, the inbox claim last): within it, reads
    # run without beginning the transaction and take no locks. A handler that reads so must
    # check in the closing statement that what it read is unchanged (writes.unchanged); if it
    # changed, the batch is handled again in a transaction begun first, where this is None
    # and the handler locks what it reads.
    reads_unlocked: Callable[[], AbstractContextManager[None]] | None = None

    def emit(self, topic: str, key: str, event: CloudEvent) -> None:
        if self.correlation_id and CORRELATION_ATTRIBUTE not in (event.model_extra or {}):
            event = event.model_copy(update={CORRELATION_ATTRIBUTE: self.correlation_id})
        self.pending.append((topic, key, event))
        self.trace.append(tracing.trace_headers())

    def before_commit(self, name: str, flush: Callable[[], Awaitable[None]]) -> None:
        """Run `flush` once, just before the transaction commits: writes a handler gathers
        over a whole batch reach the database in one round trip."""
        self.flushes.setdefault(name, flush)

    def write_at_commit(self, name: str, build: Callable[[], Sequence[Write]]) -> None:
        """Call `build` once, after the handlers and the `before_commit` flushes: its writes go
        into the batch's closing statement with the inbox claim and the outbox rows (writes.py),
        so each must touch rows no other write of the batch touches."""
        self.writes.setdefault(name, build)

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` only if the transaction commits (metrics, process-level caches)."""
        self.committed.append(callback)

    def close(self) -> None:
        """Let go of what the transaction gathered, once it is over. A flush or callback that
        closes over this Tx makes a reference cycle, and until the garbage collector found it,
        the cycle held the whole batch (its cache, pending events, rows) alive: young
        collections walked it again and again, and with rarer ones a process grew by hundreds
        of MB (bench/RESULTS.md, eighteenth round). `committed` is handed out, not emptied."""
        self.pending, self.cache, self.committed, self.trace = [], {}, [], []
        self.flushes, self.writes = {}, {}
        self.input = self.correlation_id = self.reads_unlocked = None
