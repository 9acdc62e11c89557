"""Outcome facts Tilmeld publishes on `tilmeld.registrations` (subject = registration id)."""

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict

from tilmeld_contracts.signups.v1 import Attendee

CONFIRMED = "dk.tilmeld.registration.confirmed.v1"
WAITLISTED = "dk.tilmeld.registration.waitlisted.v1"
OFFERED = "dk.tilmeld.registration.offered.v1"
PROMOTED = "dk.tilmeld.registration.promoted.v1"
SESSION_CHANGED = "dk.tilmeld.registration.session_changed.v1"
CANCELLED = "dk.tilmeld.registration.cancelled.v1"
REJECTED = "dk.tilmeld.registration.rejected.v1"
ORGANISATION_ENROLLED = "dk.tilmeld.organisation.enrolled.v1"

RejectionReason = Literal[
    "unknown_event",
    "registration_not_open",
    "registration_closed",
    "already_registered",
    "organisation_quota_reached",
    "invalid_session",
    "invalid_request",
]
CancellationReason = Literal[
    "by_attendee", "by_organiser", "offer_expired", "offer_declined", "event_cancelled"
]


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    registration_id: str
    event_id: str
    request_source: str
    request_id: str
    attendee: Attendee


class RegistrationConfirmed(_Fact):
    sessions: dict[str, str | None] = {}
    session_waitlists: dict[str, list[str]] = {}


class RegistrationPromoted(RegistrationConfirmed):
    pass


class RegistrationWaitlisted(_Fact):
    position: int


class RegistrationOffered(_Fact):
    expires_at: AwareDatetime


class RegistrationSessionChanged(_Fact):
    sessions: dict[str, str | None]


class RegistrationCancelled(_Fact):
    reason: CancellationReason


class RegistrationRejected(_Fact):
    # An invalid request may carry an attendee we could not read: keep what was sent.
    attendee: Any = None
    reason: RejectionReason
    detail: str


class OrganisationEnrolled(BaseModel):
    """First confirmed participant of an organisation in an event with a fee per organisation."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: str
    organisation: str
    municipality_code: str | None = None
    registration_id: str
    fee_dkk: int
