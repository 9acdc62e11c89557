"""Whether a sign-up may go on to the capacity service, or is answered with a rejection.
Pure: the caller passes in what the store knows and the time."""

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.registration.v1 import RejectionReason
from tilmeld_contracts.signups.v1 import Attendee, SignupRequested


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: RejectionReason
    detail: str


SessionsByRound = Mapping[str, frozenset[str]]  # round id → its session ids


@dataclass(frozen=True, slots=True)
class KnownEvent:
    definition: EventDefinition
    cancelled: bool
    # Worked out once per loaded definition, not once per sign-up (rebuilding it for every
    # request was ~3 % of the sign-up hop's CPU in a rush).
    sessions_by_round: SessionsByRound = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        rounds = self.definition.sessions_by_round()
        object.__setattr__(self, "sessions_by_round", {r: frozenset(s) for r, s in rounds.items()})


@dataclass(frozen=True, slots=True)
class Holdings:
    """What the store knows about this attendee's organisation and email for the event."""

    registration_id_for_email: str | None
    active_in_organisation: int


def organisation_key(attendee: Attendee) -> str:
    """Organisations match by municipality code when given, else by name ignoring case,
    accents' composition and runs of whitespace."""
    if attendee.municipality_code:
        return f"kommune:{attendee.municipality_code}"
    name = unicodedata.normalize("NFC", attendee.organisation).casefold()
    return "navn:" + " ".join(name.split())


def choices_problem(rounds: SessionsByRound, choices: dict[str, list[str]]) -> str | None:
    for round_id, session_ids in choices.items():
        if round_id not in rounds:
            return f"unknown round {round_id!r}; rounds are {sorted(rounds) or 'none'}"
        unknown = [s for s in session_ids if s not in rounds[round_id]]
        if unknown:
            return f"round {round_id!r} has no session {unknown[0]!r}"
        if len(set(session_ids)) != len(session_ids):
            return f"round {round_id!r} lists a session twice"
    return None


def decide_signup(
    event: KnownEvent | None, request: SignupRequested, holdings: Holdings, now: datetime
) -> Rejection | None:
    """None means: accepted for seat allocation."""
    if event is None:
        return Rejection("unknown_event", f"no event with id {request.event_id!r}")
    if event.cancelled:
        return Rejection("unknown_event", f"event {request.event_id!r} is cancelled")
    window = event.definition.registration
    if window.opens_at and now < window.opens_at:
        return Rejection(
            "registration_not_open", f"registration opens {window.opens_at.isoformat()}"
        )
    if window.closes_at and now >= window.closes_at:
        return Rejection(
            "registration_closed", f"registration closed {window.closes_at.isoformat()}"
        )
    if holdings.registration_id_for_email is not None:
        return Rejection("already_registered", holdings.registration_id_for_email)
    problem = choices_problem(event.sessions_by_round, request.choices)
    if problem:
        return Rejection("invalid_session", problem)
    limit = event.definition.per_organisation.max
    if limit is not None and holdings.active_in_organisation >= limit:
        return Rejection(
            "organisation_quota_reached",
            f"{request.attendee.organisation} already has {limit} participants (max {limit})",
        )
    return None
