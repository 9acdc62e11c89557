"""The seats of one event: who holds one, who waits, and which sessions each holder has."""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, cast

from immutables import Map

from capacity.domain.choices import Choices
from capacity.domain.layout import Layout

Sessions = Mapping[str, str | None]  # round id → granted session, None while waiting for one


class Status(StrEnum):
    HOLDING = "holding"  # has an event seat, and maybe session seats
    WAITING = "waiting"  # on the event waitlist; holds no session seats
    # Promotion mode `offer`: an event seat is held for a waiter until they answer or the offer
    # expires. It counts as taken (see `EventState.seats_taken`); it holds no session seats, as
    # sessions are assigned by the choices at the moment the offer is accepted.
    OFFERED = "offered"
    RELEASED = "released"
    REFUSED = "refused"


ACTIVE = (Status.HOLDING, Status.OFFERED, Status.WAITING)


@dataclass(frozen=True)
class SeatRequest:
    registration_id: str
    organisation_key: str
    choices: Choices = field(default_factory=dict)


@dataclass(frozen=True)
class Registration:
    registration_id: str
    organisation_key: str
    arrival: int  # order of arrival within the event: the waitlists are served by it
    status: Status
    choices: Choices = field(default_factory=dict)
    sessions: Sessions = field(default_factory=dict)
    offer_expires_at: datetime | None = None  # set while OFFERED

    def request(self) -> SeatRequest:
        return SeatRequest(self.registration_id, self.organisation_key, self.choices)


@dataclass(frozen=True)
class Tally:
    """Counts kept in step with `EventState.registrations`, so a decision needs no scan of a
    waitlist that grows to thousands during a rush. Plain dicts, not `Counter`s: a new state's
    tally is a copy, and `Counter.copy` runs its Python `__init__` and `update` (with an ABC
    check) where `dict.copy` is one C call — 5 % of the capacity service's CPU in a rush."""

    statuses: dict[Status, int]
    session_seats: dict[tuple[str, str], int]  # (round id, session id) → seats held

    @classmethod
    def of(cls, registrations: Iterable[Registration]) -> "Tally":
        tally = cls({}, {})
        for registration in registrations:
            tally.add(registration, 1)
        return tally

    def add(self, registration: Registration, sign: int) -> None:
        _bump(self.statuses, registration.status, sign)
        if registration.status == Status.HOLDING:
            for round_id, session in registration.sessions.items():
                if session is not None:
                    _bump(self.session_seats, (round_id, session), sign)

    def moved(self, before: Registration | None, after: Registration) -> "Tally":
        """A new tally with `before` replaced by `after` (this one is shared by older states).
        Only a holder has session seats, so the session counts are shared, not copied, when
        neither is one (a waitlisting: most decisions of a rush)."""
        holders = after.status == Status.HOLDING or (
            before is not None and before.status == Status.HOLDING
        )
        seats = self.session_seats.copy() if holders else self.session_seats
        tally = Tally(self.statuses.copy(), seats)
        if before is not None:
            tally.add(before, -1)
        tally.add(after, 1)
        return tally


def _bump(counter: dict[Any, int], key: object, sign: int) -> None:
    """Counts that fall to zero leave, so a tally equals a recount."""
    count = counter.get(key, 0) + sign
    if count:
        counter[key] = count
    else:
        del counter[key]


@dataclass(frozen=True)
class EventState:
    """One event as capacity sees it. `registrations` holds every active (holding, offered or
    waiting) registration; closed ones (released, refused) only need to be present when a
    command names them, which lets a store load an event without its whole history."""

    event_id: str
    layout: Layout | None = None  # None until the event is defined
    cancelled: bool = False
    arrivals: int = 0  # the arrival number the next new registration gets
    # A persistent map (HAMT): `with_put` shares all but one path with the state before, which
    # the service keeps until the transaction commits. A dict had to be copied per decision:
    # 38 µs at 10,000 registrations, i.e. quadratic over a rush (12 % of the service's CPU).
    registrations: Mapping[str, Registration] = field(default_factory=Map)
    # Derived from `registrations`: counted on first use, then carried along by `with_put`.
    _tally: Tally | None = field(default=None, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.registrations, Map):  # built from a plain mapping
            object.__setattr__(self, "registrations", Map(self.registrations))

    @property
    def tally(self) -> Tally:
        if self._tally is None:
            object.__setattr__(self, "_tally", Tally.of(self.registrations.values()))
        assert self._tally is not None
        return self._tally

    def with_changes(self, **changes: Any) -> "EventState":
        """`dataclasses.replace` that keeps the tally when the registrations stay."""
        after = replace(self, **changes)
        if "registrations" not in changes:
            object.__setattr__(after, "_tally", self._tally)
        return after

    def with_put(self, registration: Registration, **changes: Any) -> "EventState":
        """This state with `registration` added or replacing the one with its id, and with
        `changes` to its other fields in the same copy (`replace` is most of a decision's
        cost in the domain: ~4 µs)."""
        registrations = cast(Map[str, Registration], self.registrations)  # see __post_init__
        before = registrations.get(registration.registration_id)
        after = replace(
            self,
            registrations=registrations.set(registration.registration_id, registration),
            **changes,
        )
        object.__setattr__(after, "_tally", self.tally.moved(before, registration))
        return after

    def in_status(self, status: Status) -> list[Registration]:
        found = [r for r in self.registrations.values() if r.status == status]
        return sorted(found, key=lambda r: r.arrival)

    def holders(self) -> list[Registration]:
        return self.in_status(Status.HOLDING)

    def offered(self) -> list[Registration]:
        return self.in_status(Status.OFFERED)

    def waiters(self) -> list[Registration]:
        return self.in_status(Status.WAITING)

    def count(self, status: Status) -> int:
        """How many registrations have `status`."""
        return self.tally.statuses.get(status, 0)

    def seats_taken(self) -> int:
        """Event seats held or offered: an open offer keeps its seat from everyone else."""
        return self.count(Status.HOLDING) + self.count(Status.OFFERED)

    def event_has_room(self) -> bool:
        capacity = self.layout.capacity if self.layout else None
        return capacity is None or self.seats_taken() < capacity

    def session_seats_taken(self) -> Counter[tuple[str, str]]:
        """Seats taken per (round id, session id); a copy the caller may change."""
        return Counter(self.tally.session_seats)
