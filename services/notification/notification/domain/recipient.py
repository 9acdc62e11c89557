"""Who a mail goes to. Most facts carry a validated Attendee; a rejection of an invalid request
carries whatever was sent, so the address must be checked before anything is mailed to it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from tilmeld_contracts.common import CHECKED_UPSTREAM, Email
from tilmeld_contracts.signups.v1 import Attendee

_EMAIL = TypeAdapter(Email)  # the same check the sign-up contract applies


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    language: str | None


def checked_at_the_edge(reason: str | None) -> bool:
    """Every fact but the rejection of an invalid request carries an attendee from a sign-up
    that passed the contract's validation."""
    return reason != "invalid_request"


def recipient_of(attendee: Any, *, checked_upstream: bool = False) -> Recipient | None:
    """The attendee's valid address, name and language; None when there is no valid address.
    `checked_upstream`: the address passed the full check before (only its shape is checked)."""
    if isinstance(attendee, Attendee):
        return Recipient(str(attendee.email), attendee.name, attendee.language)
    if not isinstance(attendee, Mapping):
        return None
    try:
        email = _EMAIL.validate_python(
            attendee.get("email"), context=CHECKED_UPSTREAM if checked_upstream else None
        )
    except ValidationError:
        return None
    name, language = attendee.get("name"), attendee.get("language")
    return Recipient(
        email=str(email),
        name=(name.strip() or None) if isinstance(name, str) else None,
        language=language if isinstance(language, str) else None,
    )


def raw_address(attendee: Any) -> str:
    """What was given as the address, for reporting a mail that could not be sent."""
    if isinstance(attendee, Mapping) and isinstance(attendee.get("email"), str):
        return str(attendee["email"])[:300]
    return ""
