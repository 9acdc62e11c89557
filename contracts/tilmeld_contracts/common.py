"""Field types shared by several contracts."""

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
