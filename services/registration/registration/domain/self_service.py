"""What a self-service link may do with a registration in its current state. Pure: the caller
passes in the verified link claims, what the store knows and the time.

A link carries one action (see tilmeld_runtime.links). `view` only shows; `cancel`, `accept`
and `decline` show a confirm form and, once confirmed, become the same input an outside
system would publish on tilmeld.signups."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from registration.domain import statuses
from tilmeld_contracts.ids import name_based_id
from tilmeld_contracts.signups import v1 as signups

FormKind = Literal["cancel", "accept", "decline"]
# Why a link that asks for a change shows no form (texts in domain/page_texts.py).
Notice = Literal["not_active", "no_open_offer", "view_only"]

_REQUEST_IDS = uuid.UUID("0c9a3f5e-2b1d-4c7e-8f60-5d2e9a7b4c31")


@dataclass(frozen=True, slots=True)
class RegistrationState:
    """The part of a stored registration the pages decide on and show."""

    registration_id: str
    event_id: str
    status: str
    position: int | None
    offer_expires_at: datetime | None
    reason: str | None
    sessions: dict[str, str | None]
    session_waitlists: dict[str, list[str]]


@dataclass(frozen=True, slots=True)
class Choice:
    """The confirm form to offer, or the notice saying why there is none."""

    form: FormKind | None
    notice: Notice | None = None


@dataclass(frozen=True, slots=True)
class SignupsInput:
    """A CloudEvent to publish on tilmeld.signups (its type, id and data), for this form."""

    form: FormKind
    type: str
    id: str
    data: dict[str, str]


def offer_open(state: RegistrationState, now: datetime) -> bool:
    expires = state.offer_expires_at
    return state.status == statuses.OFFERED and (expires is None or now < expires)


def choose(action: str, state: RegistrationState, now: datetime) -> Choice:
    if action == "cancel":
        if state.status in statuses.ACTIVE:
            return Choice("cancel")
        return Choice(None, "not_active")
    if action in ("accept", "decline"):
        if offer_open(state, now):
            return Choice("accept" if action == "accept" else "decline")
        return Choice(None, "no_open_offer")
    return Choice(None)


def request_id(token: str, action: str) -> str:
    """The same link confirmed twice (a double click, a reload) is the same CloudEvent: the
    inboxes see one input."""
    return name_based_id(_REQUEST_IDS, f"{action}\n{token}")


def decide_request(
    action: str, token: str, state: RegistrationState, now: datetime
) -> SignupsInput | Notice:
    """The input a confirmed form publishes, or why nothing is published."""
    if action == "view":
        return "view_only"
    choice = choose(action, state, now)
    if choice.form is None:
        return choice.notice or "view_only"
    data = {"event_id": state.event_id, "registration_id": state.registration_id}
    type_ = {
        "cancel": signups.CANCELLATION_REQUESTED,
        "accept": signups.OFFER_ACCEPTED,
        "decline": signups.OFFER_DECLINED,
    }[choice.form]
    return SignupsInput(choice.form, type_, request_id(token, action), data)
