"""The seed systems' distinctive rules, end to end on the real broker."""

from typing import Any

import httpx
import orjson

from tests.e2e.kafka_io import Producer, Tail, eventually
from tests.e2e.mailbox import Mailbox
from tests.e2e.scenario import attendee, cancel, outcome_for, publish_event, sample, sign_up

FACT = "dk.tilmeld.registration."
API = "http://127.0.0.1:8081"


async def _fetch(path: str, token: str | None = "dev-token") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=API, timeout=5) as client:
        return await client.get(path, headers=headers)


async def _get(path: str) -> Any:
    response = await _fetch(path)
    response.raise_for_status()
    return orjson.loads(response.content)


def _only(facts: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    [fact] = outcome_for(facts, request_id)
    return fact


async def test_network_quota_and_enrolment_fact(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    """KL's network on economy and quality: up to five per municipality, 45,000 DKK each."""
    definition = sample("kl-netvaerk-oekonomi-kvalitet")
    event_id = definition["id"]
    await publish_event(producer, definition)
    aarhus = [attendee(i, domain=f"{event_id}.dk") for i in range(6)]
    odense = attendee(
        9, domain=f"{event_id}.dk", organisation="Odense Kommune", municipality_code="461"
    )
    requests = [await sign_up(producer, event_id, p) for p in [*aarhus, odense]]
    await eventually(lambda: all(outcome_for(outcomes.events(event_id), r) for r in requests))
    facts = outcomes.events(event_id)
    kinds = [_only(facts, r)["type"].removeprefix(FACT) for r in requests]
    assert kinds == ["confirmed.v1"] * 5 + ["rejected.v1", "confirmed.v1"]
    assert _only(facts, requests[5])["data"]["reason"] == "organisation_quota_reached"

    await eventually(
        lambda: sum(e["type"].endswith("enrolled.v1") for e in outcomes.events(event_id)) >= 2,
        what="two enrolments",
    )
    enrolled = [e["data"] for e in outcomes.events(event_id) if e["type"].endswith("enrolled.v1")]
    assert sorted((e["municipality_code"], e["fee_dkk"]) for e in enrolled) == [
        ("461", 45000),
        ("751", 45000),
    ]
    first_aarhus = _only(facts, requests[0])["data"]["registration_id"]
    assert (
        next(e for e in enrolled if e["municipality_code"] == "751")["registration_id"]
        == first_aarhus
    )

    # The network's confirmation lists all five meetings.
    await eventually(lambda: len(mailbox.to(aarhus[0]["email"])) == 1, what="mail")
    body = mailbox.to(aarhus[0]["email"])[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert len(definition["meetings"]) == 5
    for meeting in definition["meetings"]:
        assert meeting["title"] in text
        assert meeting["location"] in text


async def test_partnership_online_meetings_and_minimum_per_municipality(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    """Strong child communities: 3–5 per municipality, meetings 2 and 3 on Teams."""
    definition = sample("partnerskab-staerke-boernefaellesskaber")
    event_id = definition["id"]
    await publish_event(producer, definition)
    people = [
        attendee(i, domain=f"{event_id}.dk", organisation="Vejle Kommune", municipality_code="630")
        for i in range(2)
    ]
    requests = [await sign_up(producer, event_id, p) for p in people]
    await eventually(lambda: all(outcome_for(outcomes.events(event_id), r) for r in requests))
    assert all(
        _only(outcomes.events(event_id), r)["type"] == FACT + "confirmed.v1" for r in requests
    )

    below = (await _get(f"/events/{event_id}/availability"))["organisations_below_minimum"]
    assert below == [
        {
            "organisation": "Vejle Kommune",
            "municipality_code": "630",
            "participants": 2,
            "minimum": 3,
        }
    ]
    organisations = (await _get(f"/events/{event_id}/organisations"))["organisations"]
    assert organisations[0]["below_minimum"] is True
    export = (await _fetch(f"/events/{event_id}/registrations.csv")).text.splitlines()
    assert export[0].startswith("registration_id,status,position,name,email,organisation")
    assert sorted(line.split(",")[4] for line in export[1:]) == sorted(p["email"] for p in people)
    assert (await _fetch(f"/events/{event_id}/registrations.csv", token=None)).status_code == 401

    await eventually(lambda: len(mailbox.to(people[0]["email"])) == 1, what="mail")
    body = mailbox.to(people[0]["email"])[0].get_body(("plain",))
    assert body is not None
    text = body.get_content()
    online = [m for m in definition["meetings"] if m["mode"] == "online"]
    assert len(online) == 2
    for meeting in online:
        assert meeting["online_url"] in text
    physical = [m for m in definition["meetings"] if m["mode"] == "physical"]
    for meeting in physical:
        assert meeting["location"] in text


async def test_conference_rounds_session_waitlist_and_promotion_on_cancel(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    """STUK's conference: theme meetings in two rounds; a full session has a waitlist."""
    definition = sample("stuk-dagtilbud-2023")
    for round_ in definition["rounds"]:
        for session in round_["sessions"]:
            session["capacity"] = 1
    event_id = definition["id"]
    await publish_event(producer, definition)
    anne, bo = (attendee(i, domain=f"{event_id}.dk") for i in (1, 2))
    first = await sign_up(producer, event_id, anne, {"runde-1": ["temamoede-1"]})
    second = await sign_up(
        producer,
        event_id,
        bo,
        {"runde-1": ["temamoede-1", "temamoede-2"], "runde-2": ["temamoede-1"]},
    )
    await eventually(lambda: bool(outcome_for(outcomes.events(event_id), second)))
    bo_fact = _only(outcomes.events(event_id), second)["data"]
    assert bo_fact["sessions"] == {"runde-1": "temamoede-2", "runde-2": "temamoede-1"}
    assert bo_fact["session_waitlists"] == {"runde-1": ["temamoede-1"]}
    anne_id = _only(outcomes.events(event_id), first)["data"]["registration_id"]

    availability = await _get(f"/events/{event_id}/availability")
    seats = {(s["round_id"], s["session_id"]): s for s in availability["sessions"]}
    assert seats["runde-1", "temamoede-1"]["seats_left"] == 0
    assert seats["runde-1", "temamoede-1"]["waitlist"] == 1
    assert seats["runde-2", "temamoede-1"]["seats_left"] == 0

    await cancel(producer, event_id, anne_id)
    changed = FACT + "session_changed.v1"
    await eventually(
        lambda: any(e["type"] == changed for e in outcomes.events(event_id)), what="session_changed"
    )
    [moved] = [e for e in outcomes.events(event_id) if e["type"] == changed]
    assert moved["data"]["registration_id"] == bo_fact["registration_id"]
    assert moved["data"]["sessions"] == {"runde-1": "temamoede-1", "runde-2": "temamoede-1"}
    cancelled = [e for e in outcomes.events(event_id) if e["type"] == FACT + "cancelled.v1"]
    assert [(c["data"]["registration_id"], c["data"]["reason"]) for c in cancelled] == [
        (anne_id, "by_attendee")
    ]
    await eventually(
        lambda: any(
            "Ændring i dine temamøder" in str(m["Subject"]) for m in mailbox.to(bo["email"])
        ),
        what="session change mail",
    )


async def test_kl_daycare_conference_parallel_sessions_fill_and_wait(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    """KL's daycare conference at Odeon: parallel sessions in one round, each with its room's
    capacity; the named sessions 1, 2 and 7 from the seed."""
    definition = sample("kl-dagtilbudskonference-2024")
    [round_] = definition["rounds"]
    for session in round_["sessions"]:
        session["capacity"] = 2
    event_id = definition["id"]
    await publish_event(producer, definition)
    people = [attendee(i, domain=f"{event_id}.dk") for i in range(3)]
    wants = {"runde-1": ["session-7", "session-1"]}
    requests = [await sign_up(producer, event_id, p, wants) for p in people]
    await eventually(lambda: all(outcome_for(outcomes.events(event_id), r) for r in requests))
    granted = [_only(outcomes.events(event_id), r)["data"] for r in requests]
    assert [g["sessions"] for g in granted] == [
        {"runde-1": "session-7"},
        {"runde-1": "session-7"},
        {"runde-1": "session-1"},
    ]
    assert granted[2]["session_waitlists"] == {"runde-1": ["session-7"]}
    title = next(s["title"] for s in round_["sessions"] if s["id"] == "session-7")
    await eventually(lambda: len(mailbox.to(people[0]["email"])) == 1, what="mail")
    body = mailbox.to(people[0]["email"])[0].get_body(("plain",))
    assert body is not None and title in body.get_content()


async def test_kl_partnership_five_working_meetings_over_two_years(
    producer: Producer, outcomes: Tail, mailbox: Mailbox
) -> None:
    """KL's partnership on quality: one registration covers five working meetings over two
    years; the confirmation lists them all and the calendar has one entry per meeting."""
    definition = sample("kl-partnerskab-kvalitet")
    event_id = definition["id"]
    meetings = definition["meetings"]
    assert len(meetings) == 5
    years = {m["starts_at"][:4] for m in meetings}
    assert len(years) >= 2
    await publish_event(producer, definition)
    person = attendee(1, domain=f"{event_id}.dk")
    request = await sign_up(producer, event_id, person)
    await eventually(lambda: bool(outcome_for(outcomes.events(event_id), request)))
    assert _only(outcomes.events(event_id), request)["type"] == FACT + "confirmed.v1"
    await eventually(lambda: len(mailbox.to(person["email"])) == 1, what="mail")
    mail = mailbox.to(person["email"])[0]
    body = mail.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    for meeting in meetings:
        assert meeting["location"] in text
    [ics] = [p for p in mail.iter_attachments() if p.get_filename() == "invitation.ics"]
    assert ics.get_content().count("BEGIN:VEVENT") == 5
