"""Everything a self-service page prints, decided here so the templates only lay it out."""

from collections.abc import Mapping
from dataclasses import dataclass

from registration.domain import statuses
from registration.domain.dates import format_clock_span, format_moment, format_span
from registration.domain.page_texts import reason_line, status_line
from registration.domain.page_words import WORDS
from registration.domain.self_service import Choice, FormKind, RegistrationState
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.common import Language

_ROUND = {"da": "Runde {n}", "en": "Round {n}"}
_MEETING = {"da": "Møde {n}", "en": "Meeting {n}"}


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class PageView:
    language: Language
    words: Mapping[str, str]
    title: str
    when: str
    venue: str | None
    organiser: str
    attendee_name: str
    status: str  # as the attendee reads it
    status_code: str  # as stored, for styling
    reason: str | None
    sessions: tuple[Line, ...]
    meetings: tuple[Line, ...]
    form: FormKind | None
    form_text: str | None
    notice: str | None


def language_of(attendee_language: Language | None, definition: EventDefinition) -> Language:
    return attendee_language or definition.language


def _session_lines(
    definition: EventDefinition, state: RegistrationState, language: Language
) -> tuple[Line, ...]:
    """One line per round, only once a seat is held: before that nothing is decided."""
    if state.status != statuses.CONFIRMED:
        return ()
    words = WORDS[language]
    lines = []
    for n, round_ in enumerate(definition.rounds, start=1):
        titles = {s.id: s.title for s in round_.sessions}
        name = round_.title or _ROUND[language].format(n=n)
        label = f"{name}, {format_clock_span(round_.starts_at, round_.ends_at, language)}"
        held = state.sessions.get(round_.id)
        waiting = [titles.get(s, s) for s in state.session_waitlists.get(round_.id, [])]
        if held is not None:
            value = titles.get(held, held)
        elif waiting:
            value = f"{words['no_seat']} – {words['waiting_for']}: {', '.join(waiting)}"
        else:
            value = words["nothing_chosen"]
        lines.append(Line(label, value))
    return tuple(lines)


def _meeting_lines(definition: EventDefinition, language: Language) -> tuple[Line, ...]:
    return tuple(
        Line(
            meeting.title or _MEETING[language].format(n=n),
            format_span(meeting.starts_at, meeting.ends_at, language)
            + (f", {meeting.location}" if meeting.location else "")
            + (f" ({WORDS[language]['online']})" if meeting.mode == "online" else ""),
        )
        for n, meeting in enumerate(definition.meetings, start=1)
    )


def page_view(
    definition: EventDefinition,
    state: RegistrationState,
    attendee_name: str,
    language: Language,
    choice: Choice,
) -> PageView:
    words = WORDS[language]
    venue = definition.venue
    form_text = None
    if choice.form == "accept" and state.offer_expires_at is not None:
        form_text = words["accept_text"].format(
            deadline=format_moment(state.offer_expires_at, language)
        )
    elif choice.form is not None and choice.form != "accept":
        form_text = words[f"{choice.form}_text"]
    return PageView(
        language=language,
        words=words,
        title=definition.title,
        when=format_span(definition.starts_at, definition.ends_at, language),
        venue=", ".join(p for p in (venue.name, venue.address) if p) if venue else None,
        organiser=definition.organiser,
        attendee_name=attendee_name,
        status=status_line(state, language),
        status_code=state.status,
        reason=reason_line(state, language),
        sessions=_session_lines(definition, state, language),
        meetings=_meeting_lines(definition, language),
        form=choice.form,
        form_text=form_text,
        notice=words[f"notice_{choice.notice}"] if choice.notice else None,
    )
