"""Field types shared by several contracts."""

from typing import Annotated, Literal

from pydantic import StringConstraints

Slug = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$", max_length=100)
]
Language = Literal["da", "en"]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
