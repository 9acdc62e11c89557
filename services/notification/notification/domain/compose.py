"""From a registration fact and what we know of its event to the MailView of one mail."""

from collections.abc import Mapping
from dataclasses import replace
from typing import TypeAlias

from notification.domain.dates import format_clock, format_moment, format_span
from notification.domain.kinds import MailKind
from notification.domain.language import choose_language
from notification.domain.reasons import cancellation_text, rejection_text
from notification.domain.recipient import Recipient
from notification.domain.subjects import subject
from notification.domain.view import MailView, MeetingLine, SessionLine, WaitLine
from tilmeld_contracts.catalog.v1 import EventDefinition, Meeting
from tilmeld_contracts.common import Language
from tilmeld_contracts.registration import v1 as facts

_ROUND = {"da": "Runde {n}", "en": "Round {n}"}
_ROUND_TIME = {"da": "kl. {start}–{end}", "en": "{start}–{end}"}
_PHYSICAL = {"da": "fysisk", "en": "in person"}
_PLACE_TO_FOLLOW = {"da": "sted følger", "en": "place to follow"}
_ONLINE = "online (Teams)"

Fact: TypeAlias = (
    facts.RegistrationConfirmed
    | facts.RegistrationWaitlisted
    | facts.RegistrationOffered
    | facts.RegistrationSessionChanged
    | facts.RegistrationCancelled
    | facts.RegistrationRejected
)


def compose(
    kind: MailKind,
    fact: Fact,
    recipient: Recipient,
    event: EventDefinition | None,
    event_cancel_note: str | None = None,
) -> MailView:
    """`event` is None only for rejections of events we do not know: the id stands in as title."""
    language = choose_language(recipient.language, event.language if event else None)
    title = event.title if event else fact.event_id
    view = MailView(
        kind=kind,
        language=language,
        subject=subject(kind, language, title),
        name=recipient.name,
        title=title,
        registration_id=fact.registration_id,
    )
    if event is not None:
        view = with_event(view, event, language)
    if isinstance(fact, facts.RegistrationConfirmed):  # promoted is a subclass
        view = with_sessions(view, event, fact.sessions, fact.session_waitlists)
    elif isinstance(fact, facts.RegistrationSessionChanged):
        view = with_sessions(view, event, fact.sessions, {})
    elif isinstance(fact, facts.RegistrationWaitlisted):
        view = replace(view, position=fact.position)
    elif isinstance(fact, facts.RegistrationOffered):
        view = replace(view, deadline=format_moment(fact.expires_at, language))
    elif isinstance(fact, facts.RegistrationCancelled):
        note = event_cancel_note if fact.reason == "event_cancelled" else None
        view = replace(
            view, reason=cancellation_text(fact.reason, language), event_cancel_note=note
        )
    elif isinstance(fact, facts.RegistrationRejected):
        view = replace(
            view, reason=rejection_text(fact.reason, language), detail=fact.detail or None
        )
    return view


def with_event(view: MailView, event: EventDefinition, language: Language) -> MailView:
    venue = event.venue
    meetings = tuple(meeting_line(m, event, language) for m in event.meetings)
    return replace(
        view,
        organiser=event.organiser,
        when=format_span(event.starts_at, event.ends_at, language),
        venue_name=venue.name if venue else None,
        venue_address=venue.address if venue else None,
        meetings=meetings,
    )


def meeting_line(meeting: Meeting, event: EventDefinition, language: Language) -> MeetingLine:
    when = format_span(meeting.starts_at, meeting.ends_at, language)
    if meeting.mode == "online":
        return MeetingLine(meeting.title, when, _ONLINE, meeting.online_url or "", True)
    place = meeting.location or (event.venue.name if event.venue else _PLACE_TO_FOLLOW[language])
    return MeetingLine(meeting.title, when, _PHYSICAL[language], place, False)


def with_sessions(
    view: MailView,
    event: EventDefinition | None,
    granted: Mapping[str, str | None],
    waiting: Mapping[str, list[str]],
) -> MailView:
    """Lines in the rounds' order in the definition; ids the definition lacks are shown as-is."""
    language = view.language
    rounds = event.rounds if event else []
    # A session id may recur in several rounds: a title is looked up by (round, session).
    titles = {(r.id, s.id): s.title for r in rounds for s in r.sessions}
    known = [r.id for r in rounds]
    order = known + sorted((set(granted) | set(waiting)) - set(known))
    labels = {round_id: _ROUND[language].format(n=n) for n, round_id in enumerate(order, 1)}
    times = {
        r.id: _ROUND_TIME[language].format(
            start=format_clock(r.starts_at, language), end=format_clock(r.ends_at, language)
        )
        for r in rounds
    }
    sessions = tuple(
        SessionLine(labels[r], titles.get((r, s), s), times.get(r, ""))
        for r in order
        if (s := granted.get(r)) is not None
    )
    waits = tuple(
        WaitLine(labels[r], tuple(titles.get((r, s), s) for s in waiting[r]))
        for r in order
        if waiting.get(r)
    )
    return replace(view, sessions=sessions, session_waits=waits)
