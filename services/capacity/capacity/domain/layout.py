"""What capacity needs to know of an event definition: seats for the event and per session."""

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

Promotion = Literal["auto", "offer"]


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
    # How a freed seat reaches the waitlist. Only `auto` is implemented; `offer` behaves as auto.
    promotion: Promotion = "auto"
    offer_hours: int = 48

    @cached_property
    def _round_by_session(self) -> dict[str, str]:
        return {s.id: r.id for r in self.rounds for s in r.sessions}

    @cached_property
    def _capacity_by_session(self) -> dict[str, int | None]:
        return {s.id: s.capacity for r in self.rounds for s in r.sessions}

    def has_round(self, round_id: str) -> bool:
        return any(r.id == round_id for r in self.rounds)

    def round_of(self, session_id: str) -> str | None:
        return self._round_by_session.get(session_id)

    def session_capacity(self, session_id: str) -> int | None:
        return self._capacity_by_session[session_id]

    def session_ids(self) -> list[str]:
        return list(self._capacity_by_session)
