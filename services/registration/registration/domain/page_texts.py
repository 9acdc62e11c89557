"""Words on the self-service pages, Danish and English (the attendee's language). Error pages
come before we know whose link it is: they are Danish with one English line."""

from dataclasses import dataclass
from typing import Literal

from registration.domain import statuses
from registration.domain.dates import format_moment
from registration.domain.self_service import RegistrationState
from tilmeld_contracts.common import Language

ErrorKind = Literal["tampered", "malformed", "expired", "unknown", "view_only", "unavailable"]


@dataclass(frozen=True, slots=True)
class ErrorPage:
    status_code: int
    heading: str
    text: str
    english: str


_TAMPERED = ErrorPage(
    400,
    "Linket er ugyldigt",
    "Linket virker ikke – måske er det blevet ændret eller kun kopieret delvist. "
    "Åbn linket direkte fra din mail, eller kopier hele linket.",
    "This link is not valid. Please open it directly from your email.",
)
ERRORS: dict[ErrorKind, ErrorPage] = {
    "tampered": _TAMPERED,
    "malformed": _TAMPERED,
    "expired": ErrorPage(
        410,
        "Linket er udløbet",
        "Linket gælder ikke længere. Brug linket i den nyeste mail om din tilmelding.",
        "This link has expired. Please use the link in the latest email about your registration.",
    ),
    "unknown": ErrorPage(
        404,
        "Tilmeldingen findes ikke",
        "Vi kan ikke finde den tilmelding, linket peger på.",
        "We cannot find the registration this link points to.",
    ),
    "view_only": ErrorPage(
        403,
        "Linket kan ikke ændre din tilmelding",
        "Dette link kan kun bruges til at se din tilmelding. "
        "Brug linket til afmelding i din mail, hvis du vil afmelde dig.",
        "This link can only show your registration.",
    ),
    "unavailable": ErrorPage(
        503,
        "Siden kan ikke vises lige nu",
        "Der er en fejl hos os. Prøv igen om et par minutter – din tilmelding er ikke ændret.",
        "Something went wrong on our side. Please try again in a few minutes.",
    ),
}

_STATUS: dict[Language, dict[str, str]] = {
    "da": {
        statuses.PENDING: "under behandling",
        statuses.CONFIRMED: "bekræftet",
        statuses.WAITLISTED: "på venteliste",
        statuses.OFFERED: "tilbud om plads til {deadline}",
        statuses.CANCELLED: "afmeldt",
        statuses.REJECTED: "afvist",
    },
    "en": {
        statuses.PENDING: "being processed",
        statuses.CONFIRMED: "confirmed",
        statuses.WAITLISTED: "on the waiting list",
        statuses.OFFERED: "offered a seat until {deadline}",
        statuses.CANCELLED: "cancelled",
        statuses.REJECTED: "rejected",
    },
}
_POSITION = {"da": " (nr. {position})", "en": " (no. {position})"}
_OFFERED_WITHOUT_DEADLINE = {"da": "tilbud om plads", "en": "offered a seat"}

_REASONS: dict[Language, dict[str, str]] = {
    "da": {
        "by_attendee": "Du har selv afmeldt dig.",
        "by_organiser": "Arrangøren har annulleret din tilmelding.",
        "offer_expired": "Tilbuddet om en plads udløb, før du svarede.",
        "offer_declined": "Du takkede nej til tilbuddet om en plads.",
        "event_cancelled": "Arrangementet er aflyst.",
    },
    "en": {
        "by_attendee": "You cancelled your registration.",
        "by_organiser": "The organiser cancelled your registration.",
        "offer_expired": "The offer of a seat expired before you answered.",
        "offer_declined": "You declined the offer of a seat.",
        "event_cancelled": "The event has been cancelled.",
    },
}
_REJECTED = {
    "da": "Tilmeldingen kunne ikke gennemføres.",
    "en": "The registration could not be completed.",
}


def status_line(state: RegistrationState, language: Language) -> str:
    """ "bekræftet", "på venteliste (nr. 3)", "tilbud om plads til tirsdag den ..."."""
    template = _STATUS[language].get(state.status, state.status)
    if state.status == statuses.OFFERED and state.offer_expires_at is not None:
        return template.format(deadline=format_moment(state.offer_expires_at, language))
    if state.status == statuses.OFFERED:
        return _OFFERED_WITHOUT_DEADLINE[language]
    if state.status == statuses.WAITLISTED and state.position is not None:
        return template + _POSITION[language].format(position=state.position)
    return template


def reason_line(state: RegistrationState, language: Language) -> str | None:
    if state.status == statuses.CANCELLED:
        return _REASONS[language].get(state.reason or "", None)
    if state.status == statuses.REJECTED:
        return _REJECTED[language]
    return None
