"""Event definitions on `tilmeld.catalog` (written by organisers as YAML)."""

from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    model_validator,
)

from tilmeld_contracts.common import Language, NonEmpty, Slug

EVENT_PUBLISHED = "dk.tilmeld.event.published.v1"
EVENT_CHANGED = "dk.tilmeld.event.changed.v1"
EVENT_CANCELLED = "dk.tilmeld.event.cancelled.v1"


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Venue(_Part):
    name: NonEmpty
    address: str | None = None


class RegistrationWindow(_Part):
    opens_at: AwareDatetime | None = None
    closes_at: AwareDatetime | None = None


class WaitlistPolicy(_Part):
    promotion: Literal["auto", "offer"] = "auto"
    offer_hours: PositiveInt = 48


class OrganisationLimits(_Part):
    min: NonNegativeInt | None = None
    max: PositiveInt | None = None

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Self:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("per_organisation.min must not exceed per_organisation.max")
        return self


class Fee(_Part):
    amount_dkk: NonNegativeInt = 0
    per: Literal["attendee", "organisation"] = "attendee"


class Session(_Part):
    id: Slug
    title: NonEmpty
    capacity: NonNegativeInt | None = None
    room: str | None = None
    speakers: str | None = None
    description: str | None = None


class Round(_Part):
    id: Slug
    title: str | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    sessions: list[Session] = Field(min_length=1)


class Meeting(_Part):
    id: Slug
    title: str | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    mode: Literal["physical", "online"]
    location: str | None = None
    online_url: str | None = None

    @model_validator(mode="after")
    def _online_has_url(self) -> Self:
        if self.mode == "online" and not self.online_url:
            raise ValueError(f"meeting {self.id} is online and needs online_url")
        return self


class EventDefinition(_Part):
    """`dk.tilmeld.event.published.v1` and `.changed.v1` data: the whole definition."""

    id: Slug
    kind: Literal["conference", "network"]
    title: NonEmpty
    organiser: NonEmpty
    language: Language = "da"
    description: str | None = None
    venue: Venue | None = None
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    capacity: NonNegativeInt | None = None
    registration: RegistrationWindow = RegistrationWindow()
    waitlist: WaitlistPolicy = WaitlistPolicy()
    per_organisation: OrganisationLimits = OrganisationLimits()
    fee: Fee = Fee()
    rounds: list[Round] = []
    meetings: list[Meeting] = []
    # Reminder mails, in whole days before the event (networks: before each meeting).
    # None = the default, 7 and 1 days before; [] = no reminders.
    reminders: list[Annotated[int, Field(ge=0, le=365)]] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.reminders is not None and len(self.reminders) != len(set(self.reminders)):
            raise ValueError("reminders must not repeat a number of days")
        window = self.registration
        if window.opens_at and window.closes_at and window.closes_at <= window.opens_at:
            raise ValueError("registration.closes_at must be after registration.opens_at")
        for items, what in ((self.rounds, "round"), (self.meetings, "meeting")):
            ids = [item.id for item in items]
            if len(ids) != len(set(ids)):
                raise ValueError(f"{what} ids must be unique")
        # A theme meeting may run in several rounds under the same id (seed 001 holds the same
        # five in two rounds), so a session is identified by (round id, session id).
        for round_ in self.rounds:
            session_ids = [s.id for s in round_.sessions]
            if len(session_ids) != len(set(session_ids)):
                raise ValueError(f"round {round_.id}: session ids must be unique within a round")
        parts: list[Round | Meeting] = [*self.rounds, *self.meetings]
        for part in parts:
            if part.ends_at <= part.starts_at:
                raise ValueError(f"{part.id}: ends_at must be after starts_at")
        if self.kind == "network" and not self.meetings:
            raise ValueError("a network needs at least one meeting")
        if self.kind == "network" and self.rounds:
            raise ValueError("rounds of parallel sessions belong to conferences, not networks")
        return self

    def sessions_by_round(self) -> dict[str, dict[str, Session]]:
        """Round id → session id → session. Sessions are keyed by (round id, session id)."""
        return {r.id: {s.id: s for s in r.sessions} for r in self.rounds}


class EventCancelled(_Part):
    """`dk.tilmeld.event.cancelled.v1` data."""

    event_id: Slug
    reason: str | None = None
