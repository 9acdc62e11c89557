"""The registrations a batch's handlers share within its transaction.

The pipeline's `prepare` hook reads what the whole batch needs in one round trip; handlers then
work on these in-memory views, and their writes go into the batch's closing statement with its
inbox claim and outbox rows (`Tx.write_at_commit`). A handler that runs without `prepare` (a
batch retried record by record) loads what it misses on demand, so the result is the same
either way."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from registration.adapters import registrations_bulk as bulk
from registration.adapters.registrations_store import Registration
from registration.domain.signup_rules import Holdings, organisation_key
from registration.service.event_cache import use_parsed
from tilmeld_contracts.common import field_or_none
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.signups.v1 import SignupRequested
from tilmeld_runtime.tx import Tx
from tilmeld_runtime.writes import Write


@dataclass
class SignupBatch:
    """Active registrations per (event, email) and per (event, organisation), as the batch's
    sign-ups so far left them, and the new registrations not yet written."""

    emails: dict[bulk.EmailKey, str | None] = field(default_factory=dict)
    organisations: dict[bulk.OrganisationKey, int] = field(default_factory=dict)
    new: list[bulk.NewRegistration] = field(default_factory=list)

    async def load(
        self,
        tx: Tx,
        emails: set[bulk.EmailKey],
        organisations: set[bulk.OrganisationKey],
        events: Collection[str] = (),
    ) -> None:
        # Membership tests, not `set -= dict.keys()`: that walks every key the batch holds, once
        # per sign-up (4 % of the service's CPU in a rush of batches of 500).
        emails = {k for k in emails if k not in self.emails}
        organisations = {k for k in organisations if k not in self.organisations}
        if emails or organisations:
            found = await bulk.active_holdings(tx.conn, emails, organisations, events)
            self.emails.update({k: found.by_email.get(k) for k in emails})
            self.organisations.update({k: found.per_organisation.get(k, 0) for k in organisations})
            use_parsed(tx, found.event_versions)

    def writes(self) -> list[Write]:
        """The new registrations' insert, for the batch's closing statement."""
        write = bulk.new_registrations(self.new)
        self.new = []
        return [] if write is None else [write]

    async def flush(self, tx: Tx) -> None:
        """Write the new registrations now (before a handler reads the table itself)."""
        for write in self.writes():
            await tx.conn.execute(write.sql, *write.args)


def signups(tx: Tx) -> SignupBatch:
    batch: SignupBatch | None = tx.cache.get(SignupBatch)
    if batch is None:
        batch = tx.cache[SignupBatch] = SignupBatch()
        tx.write_at_commit("new registrations", batch.writes)
    return batch


async def prepare_signups(tx: Tx, items: Sequence[tuple[CloudEvent, BaseModel]]) -> None:
    requests = [data for _, data in items if isinstance(data, SignupRequested)]
    await signups(tx).load(
        tx,
        {(r.event_id, r.attendee.email.lower()) for r in requests},
        {(r.event_id, organisation_key(r.attendee)) for r in requests},
        {r.event_id for r in requests},
    )


async def holdings(tx: Tx, event_id: str, email: str, org_key: str) -> Holdings:
    batch = signups(tx)
    by_email, by_organisation = (event_id, email), (event_id, org_key)
    if by_email not in batch.emails or by_organisation not in batch.organisations:
        await batch.load(tx, {by_email}, {by_organisation})
    return Holdings(batch.emails[by_email], batch.organisations[by_organisation])


def add(tx: Tx, registration: bulk.NewRegistration) -> None:
    """A new active registration: later sign-ups of the batch see it at once."""
    batch = signups(tx)
    email = (registration.event_id, registration.attendee.email.lower())
    if batch.emails.get(email) is None:
        batch.emails[email] = registration.id
    org = (registration.event_id, registration.organisation_key)
    batch.organisations[org] = batch.organisations.get(org, 0) + 1
    batch.new.append(registration)


async def write_new(tx: Tx) -> None:
    """Before a handler reads the table itself (cancellation, offer answer)."""
    await signups(tx).flush(tx)


@dataclass
class DecisionBatch:
    """Registrations the batch's decisions touch (None: no such registration), and which of
    them changed."""

    rows: dict[str, Registration | None] = field(default_factory=dict)
    changed: dict[str, None] = field(default_factory=dict)  # ordered set

    async def load(self, tx: Tx, ids: Sequence[str]) -> None:
        missing = [i for i in dict.fromkeys(ids) if i not in self.rows]
        if missing:
            found = await bulk.by_ids(tx.conn, missing)
            self.rows.update({i: found.get(i) for i in missing})

    def writes(self) -> list[Write]:
        """The changed registrations' update, for the batch's closing statement."""
        rows = [self.rows[i] for i in self.changed]
        self.changed.clear()
        write = bulk.decided_registrations([r for r in rows if r is not None])
        return [] if write is None else [write]


def decisions(tx: Tx) -> DecisionBatch:
    batch: DecisionBatch | None = tx.cache.get(DecisionBatch)
    if batch is None:
        batch = tx.cache[DecisionBatch] = DecisionBatch()
        tx.write_at_commit("decided registrations", batch.writes)
    return batch


async def prepare_decisions(tx: Tx, items: Sequence[tuple[CloudEvent, BaseModel]]) -> None:
    ids = [field_or_none(data, "registration_id") for _, data in items]
    await decisions(tx).load(tx, [i for i in ids if isinstance(i, str)])


async def get(tx: Tx, registration_id: str) -> Registration | None:
    batch = decisions(tx)
    await batch.load(tx, [registration_id])
    return batch.rows[registration_id]


async def update(tx: Tx, registration_id: str, **fields: Any) -> Registration | None:
    """Change the registration (written before the commit); None if there is no such one."""
    current = await get(tx, registration_id)
    if current is None:
        return None
    changed = replace(current, **fields)
    batch = decisions(tx)
    batch.rows[registration_id] = changed
    batch.changed[registration_id] = None
    return changed
