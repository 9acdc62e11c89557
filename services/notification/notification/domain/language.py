"""Which language a mail is written in."""

from tilmeld_contracts.common import Language

DEFAULT_LANGUAGE: Language = "da"
_SUPPORTED: dict[str, Language] = {"da": "da", "en": "en"}


def choose_language(attendee_language: str | None, event_language: str | None) -> Language:
    """The attendee's own choice, else the event's language, else Danish."""
    for candidate in (attendee_language, event_language):
        if candidate in _SUPPORTED:
            return _SUPPORTED[candidate]
    return DEFAULT_LANGUAGE
