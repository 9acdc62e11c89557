"""Field types shared by several contracts."""

import functools
import importlib
import re
from typing import Annotated, Any, Literal

import email_validator
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    EMAIL_MAX_LENGTH,
    LOCAL_PART_MAX_LENGTH,
)
from pydantic import (
    BaseModel,
    EmailStr,
    StringConstraints,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$", max_length=100)
]
Language = Literal["da", "en"]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]

# Validation context for data Tilmeld produced from inputs it validated at its edge (e.g. the
# facts on tilmeld.registrations): addresses there were checked by email-validator once already.
CHECKED_UPSTREAM: dict[str, Any] = {"checked_upstream": True}
# What such an address must still look like: one @, no whitespace or control characters (so
# nothing can reach an SMTP command or a mail header that does not belong there).
_PLAIN_ADDRESS = re.compile(r"[^\s@\x00-\x1f\x7f]+@[^\s@\x00-\x1f\x7f]+")


def _email(value: Any, check: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """email-validator's check at the edge (its common shape taken short, `_plain_ascii`);
    under CHECKED_UPSTREAM only the shape is checked."""
    if isinstance(value, str):
        if info.context is not None and info.context.get("checked_upstream"):
            if _PLAIN_ADDRESS.fullmatch(value):
                return value
        elif (normalized := _plain_ascii(value)) is not None:
            return normalized
    return check(value)


# A domain of ASCII letters, digits, dots and hyphens; what it must be beyond that is the
# library's (remembered) domain check's to say.
_ASCII_DOMAIN = re.compile(r"[A-Za-z0-9.-]+\Z")


def _plain_ascii(value: str) -> str | None:
    """email-validator's answer for the shape nearly every address has: an ASCII dot-atom before
    the one @ and an ASCII domain name after it, no display name, no quotes. For that shape its
    full parse (`split_email`, character by character: ~6 of the ~8 µs a sign-up's address cost
    registration's sign-up hop) decides nothing: the local part passes as it is, unless it is a
    mailbox name it lower-cases; the domain gets the library's own check; the lengths are
    limited. Anything else, or any doubt (None), gets the library's full check.
    test_common.py compares the two on generated addresses."""
    local, at, domain = value.partition("@")
    if (
        not at
        or len(value) > EMAIL_MAX_LENGTH
        or len(local) > LOCAL_PART_MAX_LENGTH
        or not DOT_ATOM_TEXT.match(local)
        or not _ASCII_DOMAIN.match(domain)
        or local.lower() in CASE_INSENSITIVE_MAILBOX_NAMES
    ):
        return None
    try:
        checked = _CHECKS.validate_email_domain_name(
            domain,
            test_environment=email_validator.TEST_ENVIRONMENT,
            globally_deliverable=email_validator.GLOBALLY_DELIVERABLE,
        )
    except email_validator.EmailNotValidError:
        return None  # the full check says why
    normalized = f"{local}@{checked['domain']}"
    ascii_form = f"{local}@{checked['ascii_domain']}"
    if max(len(normalized.encode()), len(ascii_form)) > EMAIL_MAX_LENGTH:
        return None
    return normalized


Email = Annotated[EmailStr, WrapValidator(_email)]

# Half of email-validator's full check (~13 of ~25 µs) is the domain's (IDNA, Unicode classes),
# and a rush's thousands of addresses share far fewer municipal and institutional domains. That
# check is a pure function of the domain and two flags, so its answers are remembered (up to
# 16,384 domains, a few MB; an invalid domain raises and is not remembered). The library reads
# only the answer's two keys. test_common.py fails if it stops calling the function by this name.
_CHECKS: Any = importlib.import_module("email_validator.validate_email")
if not hasattr(_CHECKS.validate_email_domain_name, "cache_info"):
    _CHECKS.validate_email_domain_name = functools.lru_cache(maxsize=16_384)(
        _CHECKS.validate_email_domain_name
    )


def field_or_none(model: BaseModel, name: str) -> Any:
    """The value of field `name` on a model that may not have it (a `reason` only some facts
    carry), else None: `getattr(model, name, None)` without the cost of a missing attribute,
    which pydantic's `__getattr__` answers by raising and catching an AttributeError (~3 µs, and
    13 % of the notification service's time in a rush). A model's field values are its
    `__dict__`."""
    return model.__dict__.get(name)
