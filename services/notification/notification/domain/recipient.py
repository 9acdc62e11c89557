"""Who a mail goes to. Most facts carry a validated Attendee; a rejection of an invalid request
carries whatever was sent, so the address must be checked before anything is mailed to it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import EmailStr, TypeAdapter, ValidationError

from tilmeld_contracts.signups.v1 import Attendee

_EMAIL = TypeAdapter(EmailStr)  # the same check the sign-up contract applies


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str | None
    language: str | None


def recipient_of(attendee: Any) -> Recipient | None:
    """The attendee's valid address, name and language; None when there is no valid address."""
    if isinstance(attendee, Attendee):
        return Recipient(str(attendee.email), attendee.name, attendee.language)
    if not isinstance(attendee, Mapping):
        return None
    try:
        email = _EMAIL.validate_python(attendee.get("email"))
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
