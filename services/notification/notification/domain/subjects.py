"""Subject lines. Other systems and tests match on them: change them only on purpose."""

from notification.domain.kinds import MailKind
from tilmeld_contracts.common import Language

SUBJECTS: dict[Language, dict[MailKind, str]] = {
    "da": {
        "confirmed": "Bekræftelse af tilmelding: {title}",
        "waitlisted": "Du er på venteliste: {title}",
        "promoted": "Du har fået en plads: {title}",
        "offered": "Tilbud om plads: {title}",
        "session_changed": "Ændring i dine temamøder: {title}",
        "cancelled": "Din tilmelding er annulleret: {title}",
        "rejected": "Tilmelding ikke mulig: {title}",
        "event_changed": "Ændring i {title}",
        "message": "Besked fra arrangøren: {title}",
        "reminder": "Påmindelse: {title}",
    },
    "en": {
        "confirmed": "Registration confirmed: {title}",
        "waitlisted": "You are on the waiting list: {title}",
        "promoted": "You have been given a seat: {title}",
        "offered": "A seat is offered to you: {title}",
        "session_changed": "Your sessions have changed: {title}",
        "cancelled": "Your registration is cancelled: {title}",
        "rejected": "Registration not possible: {title}",
        "event_changed": "Changes to {title}",
        "message": "Message from the organiser: {title}",
        "reminder": "Reminder: {title}",
    },
}


def subject(kind: MailKind, language: Language, title: str) -> str:
    return SUBJECTS[language][kind].format(title=one_line(title))


def one_line(text: str) -> str:
    """Titles are one line in the catalog, but a header must never get a line break from
    data."""
    return " ".join(text.split())
