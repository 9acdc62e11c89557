"""One line of a change notice per change, in the attendee's language."""

from notification.domain.changes import Change, Place, Span
from notification.domain.dates import format_span
from notification.domain.view import ChangeLine
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.common import Language

_LABELS: dict[Language, dict[str, str]] = {
    "da": {
        "event_time": "Tidspunkt",
        "venue": "Sted",
        "session_time": "Tidspunkt for {name}",
        "room": "Lokale for {name}",
        "meeting_time": "Tidspunkt for mødet {name}",
        "meeting_place": "Sted for mødet {name}",
        "meeting_added": "Nyt møde",
        "meeting_removed": "Mødet er aflyst",
    },
    "en": {
        "event_time": "Time",
        "venue": "Venue",
        "session_time": "Time of {name}",
        "room": "Room for {name}",
        "meeting_time": "Time of the meeting {name}",
        "meeting_place": "Place of the meeting {name}",
        "meeting_added": "New meeting",
        "meeting_removed": "Meeting cancelled",
    },
}
_NOTHING = {"da": "ikke angivet", "en": "not given"}
_ONLINE = "online (Teams)"


def change_line(change: Change, event: EventDefinition, language: Language) -> ChangeLine:
    label = _LABELS[language][change.kind].format(name=_name(change, event, language))
    if change.kind == "room":
        return ChangeLine(
            label, change.room_before or _NOTHING[language], change.room_after or _NOTHING[language]
        )
    if change.kind == "meeting_added":
        when = _span(change.span_after, language)
        return ChangeLine(label, None, f"{when}, {_place(change.place_after, language)}")
    if change.kind == "meeting_removed":
        return ChangeLine(label, _span(change.span_before, language), None)
    if change.kind in ("venue", "meeting_place"):
        return ChangeLine(
            label, _place(change.place_before, language), _place(change.place_after, language)
        )
    return ChangeLine(
        label, _span(change.span_before, language), _span(change.span_after, language)
    )


def _name(change: Change, event: EventDefinition, language: Language) -> str:
    if change.session_id is not None:
        sessions = event.sessions_by_round().get(change.round_id or "", {})
        session = sessions.get(change.session_id)
        return f"«{session.title if session else change.session_id}»"
    if change.meeting_id is not None:
        meeting = next((m for m in event.meetings if m.id == change.meeting_id), None)
        if meeting is not None and meeting.title:
            return f"«{meeting.title}»"
        span = change.span_before or change.span_after
        return _span(span, language) if span else change.meeting_id
    return ""


def _span(span: Span | None, language: Language) -> str:
    return format_span(span.starts_at, span.ends_at, language) if span else _NOTHING[language]


def _place(place: Place | None, language: Language) -> str:
    if place is None:
        return _NOTHING[language]
    if place.online_url:
        return f"{_ONLINE}: {place.online_url}"
    text = ", ".join(p for p in (place.name, place.address) if p)
    return text or _NOTHING[language]
