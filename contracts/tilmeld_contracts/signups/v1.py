"""Inputs other systems publish on `tilmeld.signups`."""

from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from tilmeld_contracts.common import Email, Language, NonEmpty
from tilmeld_contracts.municipalities import is_municipality_code

SIGNUP_REQUESTED = "dk.tilmeld.signup.requested.v1"
CANCELLATION_REQUESTED = "dk.tilmeld.cancellation.requested.v1"
OFFER_ACCEPTED = "dk.tilmeld.offer.accepted.v1"
OFFER_DECLINED = "dk.tilmeld.offer.declined.v1"


def _known_municipality(code: str) -> str:
    if not is_municipality_code(code):
        raise ValueError(f"{code!r} is not an official Danish municipality code")
    return code


MunicipalityCode = Annotated[str, AfterValidator(_known_municipality)]


class Attendee(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    name: NonEmpty
    email: Email
    organisation: NonEmpty
    municipality_code: MunicipalityCode | None = None
    job_title: str | None = None
    language: Language | None = None


class SignupRequested(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: NonEmpty
    attendee: Attendee
    choices: dict[str, list[str]] = {}


class CancellationRequested(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: NonEmpty
    registration_id: NonEmpty | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> Self:
        if self.registration_id is None and self.email is None:
            raise ValueError("give registration_id or email")
        return self


class OfferAnswer(BaseModel):
    """Data of both `offer.accepted` and `offer.declined`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: NonEmpty
    registration_id: NonEmpty
