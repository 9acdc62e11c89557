"""What capacity needs to know of an event definition: seats for the event and per session."""

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

Promotion = Literal["auto", "offer"]
SessionKey = tuple[str, str]  # (round id, session id)


@dataclass(frozen=True)
class SessionLayout:
    id: str
    capacity: int | None = None  # None = unlimited


@dataclass(frozen=True)
class RoundLayout:
    id: str
    sessions: tuple[SessionLayout, ...]


@dataclass(frozen=True)
class Layout:
    capacity: int | None = None  # seats for the whole event; None = unlimited
    rounds: tuple[RoundLayout, ...] = ()
    # How a freed seat reaches the waitlist: `auto` seats the first waiter at once, `offer`
    # holds the seat for them for `offer_hours` until they accept or decline.
    promotion: Promotion = "auto"
    offer_hours: int = 48

    # A session is identified by (round id, session id): the same theme meeting may run in
    # several rounds under one id, with its own seats in each.
    @cached_property
    def _capacity_by_session(self) -> dict[SessionKey, int | None]:
        return {(r.id, s.id): s.capacity for r in self.rounds for s in r.sessions}

    @cached_property
    def _round_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.rounds)

    def has_round(self, round_id: str) -> bool:
        return round_id in self._round_ids

    def in_round(self, round_id: str, session_id: str) -> bool:
        return (round_id, session_id) in self._capacity_by_session

    def session_capacity(self, key: SessionKey) -> int | None:
        return self._capacity_by_session[key]

    def session_keys(self) -> list[SessionKey]:
        return list(self._capacity_by_session)
