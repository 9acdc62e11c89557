"""Field types shared by several contracts."""

import functools
import importlib
import re
from typing import Annotated, Any, Literal

from pydantic import (
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
    """email-validator's full check (IDNA, Unicode classes: ~60 µs, a fifth of the notification
    service's CPU in a rush) at the edge; under CHECKED_UPSTREAM only the shape is checked."""
    if (
        info.context is not None
        and info.context.get("checked_upstream")
        and isinstance(value, str)
        and _PLAIN_ADDRESS.fullmatch(value)
    ):
        return value
    return check(value)


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
