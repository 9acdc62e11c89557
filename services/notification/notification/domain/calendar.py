"""The calendar entries (.ics) an attendee with a seat gets, and which mail carries which.

Every entry's UID is derived from the event, the part (the event itself, a round's session, a
network meeting) and the registration, so a later mail about the same part updates the same
entry in the attendee's calendar (METHOD:REQUEST with a higher SEQUENCE) or removes it
(METHOD:CANCEL). A round has one UID whatever session the attendee holds in it: a session
change moves the entry instead of leaving the old one behind."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tilmeld_contracts.catalog.v1 import EventDefinition, Meeting, Venue
from tilmeld_contracts.common import Language

Sessions = Mapping[str, str | None]

_ORGANISER = {"da": "Arrangør: {name}", "en": "Organiser: {name}"}
_JOIN = {"da": "Deltag i Teams-mødet: {url}", "en": "Join the Teams meeting: {url}"}


@dataclass(frozen=True)
class CalendarEntry:
    uid: str
    summary: str
    # Unknown only for a cancelled part the definition no longer describes.
    starts_at: datetime | None
    ends_at: datetime | None
    location: str | None = None
    url: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class Invitation:
    method: Literal["REQUEST", "CANCEL"]
    entries: tuple[CalendarEntry, ...]


def uid(event_id: str, part: str, registration_id: str) -> str:
    return f"{registration_id}.{part}.{event_id}@tilmeld"


def invitations(
    event: EventDefinition,
    registration_id: str,
    language: Language,
    *,
    held_before: Sessions | None,
    held_now: Sessions | None,
    removed: Sequence[CalendarEntry] = (),
) -> tuple[Invitation, ...]:
    """`held_*` are the sessions of someone with a seat, None for someone without one (who has
    no entries in their calendar). `removed` are parts the organiser deleted."""
    before = (
        entries(event, registration_id, held_before, language) if held_before is not None else ()
    )
    if held_now is None:
        gone = (*before, *removed) if before else ()
        return (Invitation("CANCEL", gone),) if gone else ()
    now = entries(event, registration_id, held_now, language)
    current = {e.uid for e in now}
    gone = (*(e for e in before if e.uid not in current), *removed)
    request = Invitation("REQUEST", now)
    return (request, Invitation("CANCEL", gone)) if gone else (request,)


def entries(
    event: EventDefinition, registration_id: str, sessions: Sessions, language: Language
) -> tuple[CalendarEntry, ...]:
    description = _ORGANISER[language].format(name=event.organiser)
    if event.kind == "network":
        return tuple(_meeting(event, m, registration_id, language) for m in event.meetings)
    found = [
        CalendarEntry(
            uid(event.id, "event", registration_id),
            event.title,
            event.starts_at,
            event.ends_at,
            location=_address(event.venue),
            description=description,
        )
    ]
    rounds = {r.id: r for r in event.rounds}
    for round_id, session_id in sorted(sessions.items()):
        if session_id is None:
            continue
        part = f"round-{round_id}"
        round_ = rounds.get(round_id)
        session = next((s for s in round_.sessions if s.id == session_id), None) if round_ else None
        if round_ is None or session is None:  # gone from the definition: only the UID is left
            found.append(
                CalendarEntry(
                    uid(event.id, part, registration_id), f"{event.title}: {session_id}", None, None
                )
            )
            continue
        place = ", ".join(p for p in (session.room, _address(event.venue)) if p) or None
        found.append(
            CalendarEntry(
                uid(event.id, part, registration_id),
                f"{event.title}: {session.title}",
                round_.starts_at,
                round_.ends_at,
                location=place,
                description=description,
            )
        )
    return tuple(found)


def removed_meeting(
    event: EventDefinition,
    registration_id: str,
    meeting_id: str,
    starts_at: datetime | None,
    ends_at: datetime | None,
) -> CalendarEntry:
    return CalendarEntry(
        uid(event.id, f"meeting-{meeting_id}", registration_id), event.title, starts_at, ends_at
    )


def _meeting(
    event: EventDefinition, meeting: Meeting, registration_id: str, language: Language
) -> CalendarEntry:
    summary = f"{event.title}: {meeting.title}" if meeting.title else event.title
    organiser = _ORGANISER[language].format(name=event.organiser)
    entry_uid = uid(event.id, f"meeting-{meeting.id}", registration_id)
    if meeting.mode == "online":
        url = meeting.online_url or ""
        return CalendarEntry(
            entry_uid,
            summary,
            meeting.starts_at,
            meeting.ends_at,
            location=url,
            url=url,
            description=f"{_JOIN[language].format(url=url)}\n{organiser}",
        )
    location = meeting.location or _address(event.venue)
    return CalendarEntry(
        entry_uid,
        summary,
        meeting.starts_at,
        meeting.ends_at,
        location=location,
        description=organiser,
    )


def _address(venue: Venue | None) -> str | None:
    if venue is None:
        return None
    return ", ".join(p for p in (venue.name, venue.address) if p)
