"""The seats of one event: who holds one, who waits, and which sessions each holder has."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

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
class EventState:
    """One event as capacity sees it. `registrations` holds every active (holding, offered or
    waiting) registration; closed ones (released, refused) only need to be present when a
    command names them, which lets a store load an event without its whole history."""

    event_id: str
    layout: Layout | None = None  # None until the event is defined
    cancelled: bool = False
    arrivals: int = 0  # the arrival number the next new registration gets
    registrations: Mapping[str, Registration] = field(default_factory=dict)

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
        """How many registrations have `status` (no list, no sort: the hot path needs only this)."""
        return sum(1 for r in self.registrations.values() if r.status == status)

    def seats_taken(self) -> int:
        """Event seats held or offered: an open offer keeps its seat from everyone else."""
        taken = (Status.HOLDING, Status.OFFERED)
        return sum(1 for r in self.registrations.values() if r.status in taken)

    def event_has_room(self) -> bool:
        capacity = self.layout.capacity if self.layout else None
        return capacity is None or self.seats_taken() < capacity

    def session_seats_taken(self) -> Counter[tuple[str, str]]:
        """Seats taken per (round id, session id)."""
        return Counter(
            (round_id, session)
            for r in self.registrations.values()
            if r.status == Status.HOLDING
            for round_id, session in r.sessions.items()
            if session is not None
        )
