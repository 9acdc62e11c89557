"""Everything a mail says, decided and formatted, so templates only lay it out."""

from dataclasses import dataclass

from notification.domain.kinds import MailKind
from tilmeld_contracts.common import Language


@dataclass(frozen=True)
class SessionLine:
    """ "Runde 1: <session title>" plus when the round runs."""

    round_label: str
    title: str
    time: str


@dataclass(frozen=True)
class WaitLine:
    """The sessions of one round an attendee waits for, first choice first."""

    round_label: str
    titles: tuple[str, ...]


@dataclass(frozen=True)
class MeetingLine:
    """A network meeting: "fysisk: <location>" or "online (Teams): <url>"."""

    title: str | None
    when: str
    place_label: str
    place: str
    place_is_link: bool


@dataclass(frozen=True)
class LinkLine:
    """A signed self-service link and what it says on it."""

    label: str
    url: str


@dataclass(frozen=True)
class ChangeLine:
    """ "Tidspunkt: <after> (før: <before>)"; `after` is None for something removed."""

    label: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class MailView:
    kind: MailKind
    language: Language
    subject: str
    name: str | None
    title: str
    registration_id: str | None
    organiser: str | None = None
    when: str | None = None
    venue_name: str | None = None
    venue_address: str | None = None
    sessions: tuple[SessionLine, ...] = ()
    session_waits: tuple[WaitLine, ...] = ()
    meetings: tuple[MeetingLine, ...] = ()
    position: int | None = None
    deadline: str | None = None
    reason: str | None = None
    detail: str | None = None
    # The organiser's own words when the whole event was cancelled.
    event_cancel_note: str | None = None
    links: tuple[LinkLine, ...] = ()
    changes: tuple[ChangeLine, ...] = ()
    # A broadcast: the organiser's text, one item per paragraph.
    message: tuple[str, ...] = ()
    # A reminder: when the event (or the network meeting) begins, and which meeting.
    reminder_when: str | None = None
    reminder_meeting: MeetingLine | None = None
