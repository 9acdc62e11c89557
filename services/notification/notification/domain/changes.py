"""What an organiser's new definition changes for attendees, and which change concerns whom.

Only what changes an attendee's day: times, venue, rooms, network meetings and their place or
Teams link. Sessions that disappear or lose seats reach people as session_changed facts from
the capacity service; they are not repeated here."""

from collections.abc import Iterable
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from notification.domain.audience import Attendance
from tilmeld_contracts.catalog.v1 import EventDefinition, Meeting, Venue

ChangeKind = Literal[
    "event_time",
    "venue",
    "session_time",
    "room",
    "meeting_time",
    "meeting_place",
    "meeting_added",
    "meeting_removed",
]
EVENT_WIDE: frozenset[ChangeKind] = frozenset(
    {"event_time", "venue", "meeting_time", "meeting_place", "meeting_added", "meeting_removed"}
)


class Span(BaseModel):
    model_config = ConfigDict(frozen=True)
    starts_at: datetime
    ends_at: datetime


class Place(BaseModel):
    """A venue, or where a meeting is held: `online` with its Teams link, or a location."""

    model_config = ConfigDict(frozen=True)
    name: str | None = None
    address: str | None = None
    online_url: str | None = None


class Change(BaseModel):
    """One difference. `round_id`/`session_id` name a session, `meeting_id` a meeting."""

    model_config = ConfigDict(frozen=True)
    kind: ChangeKind
    round_id: str | None = None
    session_id: str | None = None
    meeting_id: str | None = None
    span_before: Span | None = None
    span_after: Span | None = None
    place_before: Place | None = None
    place_after: Place | None = None
    room_before: str | None = None
    room_after: str | None = None


def changes_between(old: EventDefinition, new: EventDefinition) -> list[Change]:
    found: list[Change] = []
    if (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at):
        found.append(Change(kind="event_time", span_before=_span(old), span_after=_span(new)))
    if _venue(old.venue) != _venue(new.venue):
        found.append(
            Change(kind="venue", place_before=_venue(old.venue), place_after=_venue(new.venue))
        )
    found += _session_changes(old, new)
    found += _meeting_changes(old, new)
    return found


def concerning(changes: Iterable[Change], attendance: Attendance) -> list[Change]:
    """The changes this person must hear about: everything event-wide for anyone still in
    (seat, offer or waiting list); a session's time or room only for those who hold it."""
    if attendance.status == "cancelled":
        return []
    held = {(r, s) for r, s in attendance.sessions.items() if s is not None}
    return [
        c
        for c in changes
        if c.kind in EVENT_WIDE
        or (attendance.status == "confirmed" and (c.round_id, c.session_id) in held)
    ]


def _session_changes(old: EventDefinition, new: EventDefinition) -> list[Change]:
    found: list[Change] = []
    old_rounds = {r.id: r for r in old.rounds}
    for new_round in new.rounds:
        old_round = old_rounds.get(new_round.id)
        if old_round is None:
            continue
        old_sessions = {s.id: s for s in old_round.sessions}
        moved = (old_round.starts_at, old_round.ends_at) != (new_round.starts_at, new_round.ends_at)
        for session in new_round.sessions:
            before = old_sessions.get(session.id)
            if before is None:
                continue
            ids = {"round_id": new_round.id, "session_id": session.id}
            if moved:
                found.append(
                    Change(
                        kind="session_time",
                        span_before=_span(old_round),
                        span_after=_span(new_round),
                        **ids,
                    )
                )
            if (before.room or None) != (session.room or None):
                found.append(
                    Change(kind="room", room_before=before.room, room_after=session.room, **ids)
                )
    return found


def _meeting_changes(old: EventDefinition, new: EventDefinition) -> list[Change]:
    found: list[Change] = []
    old_meetings = {m.id: m for m in old.meetings}
    new_ids = {m.id for m in new.meetings}
    for meeting in new.meetings:
        before = old_meetings.get(meeting.id)
        if before is None:
            found.append(
                Change(
                    kind="meeting_added",
                    meeting_id=meeting.id,
                    span_after=_span(meeting),
                    place_after=_meeting_place(meeting),
                )
            )
            continue
        if (before.starts_at, before.ends_at) != (meeting.starts_at, meeting.ends_at):
            found.append(
                Change(
                    kind="meeting_time",
                    meeting_id=meeting.id,
                    span_before=_span(before),
                    span_after=_span(meeting),
                )
            )
        if _meeting_place(before) != _meeting_place(meeting):
            found.append(
                Change(
                    kind="meeting_place",
                    meeting_id=meeting.id,
                    place_before=_meeting_place(before),
                    place_after=_meeting_place(meeting),
                )
            )
    found += [
        Change(kind="meeting_removed", meeting_id=m.id, span_before=_span(m))
        for m in old.meetings
        if m.id not in new_ids
    ]
    return found


class _Timed(Protocol):
    @property
    def starts_at(self) -> datetime: ...
    @property
    def ends_at(self) -> datetime: ...


def _span(part: _Timed) -> Span:
    return Span(starts_at=part.starts_at, ends_at=part.ends_at)


def _venue(venue: Venue | None) -> Place | None:
    return Place(name=venue.name, address=venue.address) if venue else None


def _meeting_place(meeting: Meeting) -> Place:
    if meeting.mode == "online":
        return Place(online_url=meeting.online_url)
    return Place(name=meeting.location)
