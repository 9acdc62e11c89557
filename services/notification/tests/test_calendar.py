"""Which calendar entries a mail carries: stable UIDs per part, updates and cancellations."""

from datetime import datetime
from typing import Any

from icalendar import Calendar

from notification.adapters.ics import to_ics
from notification.domain.calendar import invitations, removed_meeting, uid

REG = "reg-1"


def _uids(invitation: Any) -> list[str]:
    return sorted(e.uid for e in invitation.entries)


def test_a_seat_holder_gets_the_event_and_each_session_held(conference: Any) -> None:
    event = conference()
    [request] = invitations(
        event, REG, "da", held_before=None, held_now={"runde-1": "temamoede-2", "runde-2": None}
    )
    assert request.method == "REQUEST"
    assert _uids(request) == sorted(
        [uid(event.id, "event", REG), uid(event.id, "round-runde-1", REG)]
    )
    whole, session = request.entries
    assert (whole.summary, whole.location) == (
        event.title,
        "Odeon, Odeons Kvarter 1, 5000 Odense C",
    )
    assert (whole.starts_at, whole.ends_at) == (event.starts_at, event.ends_at)
    assert session.summary == f"{event.title}: Leg og læring"
    assert session.starts_at == event.rounds[0].starts_at


def test_a_session_change_updates_the_rounds_entry_and_cancels_a_lost_one(conference: Any) -> None:
    event = conference()
    request, cancel = invitations(
        event,
        REG,
        "da",
        held_before={"runde-1": "temamoede-1", "runde-2": "temamoede-3"},
        held_now={"runde-1": "temamoede-2", "runde-2": None},
    )
    assert uid(event.id, "round-runde-1", REG) in _uids(request)  # same UID, new session
    assert request.entries[1].summary.endswith("Leg og læring")
    assert (cancel.method, _uids(cancel)) == ("CANCEL", [uid(event.id, "round-runde-2", REG)])


def test_losing_the_seat_cancels_every_entry_and_people_without_one_get_none(
    conference: Any,
) -> None:
    event = conference()
    [cancel] = invitations(event, REG, "en", held_before={"runde-1": "temamoede-1"}, held_now=None)
    assert cancel.method == "CANCEL"
    assert _uids(cancel) == sorted(
        [uid(event.id, "event", REG), uid(event.id, "round-runde-1", REG)]
    )
    assert invitations(event, REG, "da", held_before=None, held_now=None) == ()


def test_network_meetings_carry_their_teams_link_or_their_address(network: Any) -> None:
    event = network()
    [request] = invitations(event, REG, "da", held_before=None, held_now={})
    physical, online = request.entries
    assert physical.uid == uid(event.id, "meeting-moede-1", REG)
    assert physical.location == "KL-huset, Weidekampsgade 10, 2300 København S"
    assert online.location == online.url == "https://teams.microsoft.com/l/meetup-join/abc"
    assert "Deltag i Teams-mødet: https://teams" in (online.description or "")
    assert online.summary == f"{event.title}: Opfølgning"


def test_a_removed_meeting_is_cancelled_beside_the_update(network: Any) -> None:
    event = network()
    gone = removed_meeting(event, REG, "moede-9", None, None)
    request, cancel = invitations(event, REG, "da", held_before={}, held_now={}, removed=[gone])
    assert (request.method, cancel.method) == ("REQUEST", "CANCEL")
    assert _uids(cancel) == [uid(event.id, "meeting-moede-9", REG)]


def test_the_ics_text_parses_with_method_sequence_organiser_and_attendee(conference: Any) -> None:
    event = conference()
    [request] = invitations(event, REG, "da", held_before=None, held_now={"runde-1": "temamoede-1"})
    text = to_ics(
        request,
        sequence=17,
        stamp=datetime.fromisoformat("2023-09-01T10:00:00+00:00"),
        organiser_name="KL",
        mail_from="Tilmeld <tilmeld@tilmeld.local>",
        attendee_email="mette@aarhus.dk",
        attendee_name="Mette Hansen",
    )
    calendar = Calendar.from_ical(text)
    assert str(calendar["METHOD"]) == "REQUEST"
    events = calendar.walk("VEVENT")
    assert [int(e["SEQUENCE"]) for e in events] == [17, 17]
    assert events[0]["DTSTART"].dt == event.starts_at
    assert str(events[0]["ORGANIZER"]) == "mailto:tilmeld@tilmeld.local"
    assert str(events[0]["ATTENDEE"]) == "mailto:mette@aarhus.dk"
    assert events[0]["ATTENDEE"].params["CN"] == "Mette Hansen"
    assert str(events[1]["LOCATION"]) == "Odeon, Odeons Kvarter 1, 5000 Odense C"
