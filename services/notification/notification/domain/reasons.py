"""Human explanations of the reason codes in cancelled and rejected facts."""

from tilmeld_contracts.common import Language
from tilmeld_contracts.registration.v1 import CancellationReason, RejectionReason

REJECTION_TEXTS: dict[Language, dict[RejectionReason, str]] = {
    "da": {
        "unknown_event": "Vi kender ikke det arrangement, du forsøgte at tilmelde dig.",
        "registration_not_open": "Tilmeldingen til arrangementet er ikke åbnet endnu.",
        "registration_closed": "Tilmeldingen til arrangementet er lukket.",
        "already_registered": "Du er allerede tilmeldt arrangementet.",
        "organisation_quota_reached": (
            "Din organisation har allerede det største antal deltagere, der er plads til."
        ),
        "invalid_session": (
            "Et eller flere af de valgte temamøder findes ikke eller hører til en anden runde."
        ),
        "invalid_request": "Tilmeldingen manglede oplysninger eller indeholdt fejl.",
    },
    "en": {
        "unknown_event": "We do not know the event you tried to register for.",
        "registration_not_open": "Registration for the event has not opened yet.",
        "registration_closed": "Registration for the event has closed.",
        "already_registered": "You are already registered for the event.",
        "organisation_quota_reached": (
            "Your organisation already has the largest number of attendees there is room for."
        ),
        "invalid_session": (
            "One or more of the sessions you chose do not exist or belong to another round."
        ),
        "invalid_request": "The registration was missing information or contained errors.",
    },
}

CANCELLATION_TEXTS: dict[Language, dict[CancellationReason, str]] = {
    "da": {
        "by_attendee": "Du har selv meldt dig fra.",
        "by_organiser": "Arrangøren har annulleret din tilmelding.",
        "offer_expired": (
            "Du svarede ikke på tilbuddet om en plads inden fristen, så pladsen er givet videre."
        ),
        "offer_declined": "Du har takket nej til tilbuddet om en plads.",
        "event_cancelled": "Arrangementet er aflyst.",
    },
    "en": {
        "by_attendee": "You cancelled your registration yourself.",
        "by_organiser": "The organiser has cancelled your registration.",
        "offer_expired": (
            "You did not answer the offer of a seat before the deadline,"
            " so the seat has been passed on."
        ),
        "offer_declined": "You declined the offer of a seat.",
        "event_cancelled": "The event has been cancelled.",
    },
}


def rejection_text(reason: RejectionReason, language: Language) -> str:
    return REJECTION_TEXTS[language][reason]


def cancellation_text(reason: CancellationReason, language: Language) -> str:
    return CANCELLATION_TEXTS[language][reason]
