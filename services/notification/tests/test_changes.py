"""What an organiser's change is, and exactly whom each part of it concerns."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from notification.domain.audience import Attendance
from notification.domain.changes import Change, changes_between, concerning

ATTENDEE = {"name": "Mette", "email": "mette@aarhus.dk", "organisation": "Aarhus Kommune"}


def person(status: str, sessions: dict[str, str | None] | None = None) -> Attendance:
    return Attendance("r", "e", status, ATTENDEE, sessions or {})  # type: ignore[arg-type]


def _rounds(event: Any, **round_changes: Any) -> list[dict[str, Any]]:
    rounds = [r.model_dump(mode="json") for r in event.rounds]
    for r in rounds:
        r.update(round_changes.get(r["id"].replace("-", "_"), {}))
    return rounds


def test_nothing_that_matters_changed(conference: Any) -> None:
    event = conference()
    assert changes_between(event, event.model_copy(update={"title": "Ny titel"})) == []


def test_time_venue_room_and_round_times_are_told_apart(conference: Any) -> None:
    event = conference()
    rounds = _rounds(event, runde_2={"starts_at": "2023-10-03T13:30:00+02:00"})
    rounds[0]["sessions"][0]["room"] = "Sal 2"
    changed = conference(
        id=event.id,
        starts_at="2023-10-03T08:30:00+02:00",
        venue={"name": "Odeon", "address": "Ny adresse 1"},
        rounds=rounds,
    )
    kinds = [(c.kind, c.round_id, c.session_id) for c in changes_between(event, changed)]
    assert kinds == [
        ("event_time", None, None),
        ("venue", None, None),
        ("room", "runde-1", "temamoede-1"),
        ("session_time", "runde-2", "temamoede-3"),
        ("session_time", "runde-2", "temamoede-4"),
    ]


def test_session_changes_reach_only_those_who_hold_the_session(conference: Any) -> None:
    event = conference()
    rounds = _rounds(event)
    rounds[0]["sessions"][0]["room"] = "Sal 2"
    changes = changes_between(event, conference(id=event.id, rounds=rounds))
    assert concerning(changes, person("confirmed", {"runde-1": "temamoede-1"})) == changes
    assert concerning(changes, person("confirmed", {"runde-1": "temamoede-2"})) == []
    assert concerning(changes, person("waitlisted")) == []


def test_event_wide_changes_reach_seats_offers_and_waiting_lists_not_the_cancelled(
    conference: Any,
) -> None:
    event = conference()
    changes = changes_between(event, conference(id=event.id, venue={"name": "Musikhuset"}))
    for status in ("confirmed", "waitlisted", "offered"):
        assert concerning(changes, person(status)) == changes
    assert concerning(changes, person("cancelled")) == []


def test_network_meetings_moved_relocated_added_and_removed(network: Any) -> None:
    event = network()
    meetings = [m.model_dump(mode="json") for m in event.meetings]
    meetings[0]["starts_at"] = "2024-01-10T10:00:00+01:00"
    meetings[1]["online_url"] = "https://teams.microsoft.com/l/meetup-join/new"
    meetings.append(
        {
            "id": "moede-3",
            "starts_at": "2024-06-01T10:00:00+02:00",
            "ends_at": "2024-06-01T12:00:00+02:00",
            "mode": "physical",
            "location": "Aarhus",
        }
    )
    first = changes_between(event, network(id=event.id, meetings=meetings))
    assert [(c.kind, c.meeting_id) for c in first] == [
        ("meeting_time", "moede-1"),
        ("meeting_place", "moede-2"),
        ("meeting_added", "moede-3"),
    ]
    assert first[1].place_after is not None
    assert first[1].place_after.online_url == "https://teams.microsoft.com/l/meetup-join/new"
    removed = changes_between(event, network(id=event.id, meetings=meetings[:1]))
    assert [(c.kind, c.meeting_id) for c in removed][-1] == ("meeting_removed", "moede-2")


_KINDS = st.sampled_from(
    [
        "event_time",
        "venue",
        "session_time",
        "room",
        "meeting_time",
        "meeting_place",
        "meeting_added",
        "meeting_removed",
    ]
)
_IDS = st.sampled_from(["runde-1", "runde-2"])
_SESSIONS = st.sampled_from(["a", "b", None])


@given(
    st.lists(st.builds(Change, kind=_KINDS, round_id=_IDS, session_id=_SESSIONS)),
    st.sampled_from(["confirmed", "waitlisted", "offered", "cancelled"]),
    st.dictionaries(_IDS, _SESSIONS),
)
def test_people_hear_only_of_changes_that_concern_them(
    changes: list[Change], status: str, sessions: dict[str, str | None]
) -> None:
    told = concerning(changes, person(status, sessions))
    assert all(c in changes for c in told)
    if status == "cancelled":
        assert told == []
    for change in told:
        event_wide = change.kind not in ("session_time", "room")
        assert event_wide or (
            status == "confirmed"
            and sessions.get(change.round_id or "") == change.session_id
            and change.session_id is not None
        )
