"""The handlers end to end inside one transaction (rolled back): contract commands in, the
decisions out as CloudEvents for the registration service, keyed by the event id."""

from datetime import UTC, datetime, timedelta

from capacity.service.handlers import routes
from capacity.service.translate import SOURCE
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import new_event
from tilmeld_contracts.internal import capacity_v1 as contract
from tilmeld_contracts.registry import DATA_MODELS
from tilmeld_runtime.tx import Tx

NOW = datetime(2023, 9, 1, 12, 0, tzinfo=UTC)


async def send(conn, type_: str, data) -> list[tuple[str, object]]:
    """Run the route for `type_` as the pipeline would; return (type, data model) told."""
    tx = Tx(conn, NOW)
    envelope = new_event(
        type=type_, source="urn:tilmeld:registration", id="x", time=NOW, subject=None, data=data
    )
    await routes()[type_].handle(tx, envelope, data)
    for flush in tx.flushes.values():  # what the pipeline does just before it commits
        await flush()
    for build in tx.writes.values():  # the closing statement's parts, one by one here
        for write in build():
            await conn.execute(write.sql, *write.args)
    told = []
    for topic, key, event in tx.pending:
        assert topic == topics.CAPACITY_DECISIONS and key == data.event_id
        assert event.source == SOURCE and event.time == NOW
        model = DATA_MODELS[event.type].model_validate(event.data)
        assert event.subject == model.registration_id
        told.append((event.type, model))
    return told


def seat(event_id: str, rid: str, *ranked: str) -> contract.RequestSeat:
    return contract.RequestSeat(
        event_id=event_id,
        registration_id=rid,
        organisation_key="aarhus",
        choices={"runde-1": list(ranked)} if ranked else {},
    )


async def test_a_conference_through_the_handlers(conn, event_id, event_definition):
    assert (
        await send(
            conn, contract.DEFINE_EVENT, contract.DefineEvent(event=event_definition(event_id, 2))
        )
        == []
    )
    [(kind, first)] = await send(conn, contract.REQUEST_SEAT, seat(event_id, "a", "temamoede-1"))
    assert kind == contract.SEAT_GRANTED and first.sessions == {"runde-1": "temamoede-1"}
    [(_, second)] = await send(
        conn, contract.REQUEST_SEAT, seat(event_id, "b", "temamoede-1", "temamoede-2")
    )
    assert second.sessions == {"runde-1": "temamoede-2"}
    assert second.session_waitlists == {"runde-1": ["temamoede-1"]}
    [(kind, third)] = await send(conn, contract.REQUEST_SEAT, seat(event_id, "c"))
    assert kind == contract.SEAT_WAITLISTED and third.position == 1
    assert await send(conn, contract.REQUEST_SEAT, seat(event_id, "c")) == []

    release = contract.ReleaseSeat(event_id=event_id, registration_id="a", reason="by_attendee")
    told = await send(conn, contract.RELEASE_SEAT, release)
    assert [kind for kind, _ in told] == [
        contract.SEAT_RELEASED,
        contract.SESSIONS_CHANGED,
        contract.SEAT_GRANTED,
    ]
    assert told[1][1].sessions == {"runde-1": "temamoede-1"} and told[2][1].promoted

    answer = contract.AnswerOffer(event_id=event_id, registration_id="c", accepted=True)
    assert await send(conn, contract.ANSWER_OFFER, answer) == []  # seated at once: no offer

    cancelled = await send(conn, contract.CANCEL_EVENT, contract.CancelEvent(event_id=event_id))
    assert {(m.registration_id, m.reason) for _, m in cancelled} == {
        ("b", "event_cancelled"),
        ("c", "event_cancelled"),
    }


async def test_unknown_event_and_bad_choices_are_refused(conn, event_id, event_definition):
    [(kind, refusal)] = await send(conn, contract.REQUEST_SEAT, seat(event_id, "a"))
    assert (kind, refusal.reason) == (contract.SEAT_REFUSED, "unknown_event")
    await send(
        conn, contract.DEFINE_EVENT, contract.DefineEvent(event=event_definition(event_id, 2))
    )
    [(_, refusal)] = await send(conn, contract.REQUEST_SEAT, seat(event_id, "b", "nope"))
    assert refusal.reason == "invalid_session" and "nope" in refusal.detail


async def test_offers_through_the_handlers(conn, event_id, event_definition):
    waitlist = {"promotion": "offer", "offer_hours": 24}
    await send(
        conn,
        contract.DEFINE_EVENT,
        contract.DefineEvent(event=event_definition(event_id, 1, waitlist=waitlist)),
    )
    for rid in "abcd":
        await send(conn, contract.REQUEST_SEAT, seat(event_id, rid, "temamoede-1"))
    release = contract.ReleaseSeat(event_id=event_id, registration_id="a", reason="by_attendee")
    told = await send(conn, contract.RELEASE_SEAT, release)
    assert [(kind, m.registration_id) for kind, m in told] == [
        (contract.SEAT_RELEASED, "a"),
        (contract.SEAT_OFFERED, "b"),
    ]
    assert told[1][1].expires_at == NOW + timedelta(hours=24)

    def answer(rid: str, accepted: bool) -> contract.AnswerOffer:
        return contract.AnswerOffer(event_id=event_id, registration_id=rid, accepted=accepted)

    told = await send(conn, contract.ANSWER_OFFER, answer("b", False))
    assert [(kind, m.registration_id) for kind, m in told] == [
        (contract.SEAT_RELEASED, "b"),
        (contract.SEAT_OFFERED, "c"),
    ]
    assert told[0][1].reason == "offer_declined"
    expiry = contract.ExpireOffer(
        event_id=event_id, registration_id="c", expires_at=told[1][1].expires_at
    )
    told = await send(conn, contract.EXPIRE_OFFER, expiry)
    assert [(kind, m.registration_id) for kind, m in told] == [
        (contract.SEAT_RELEASED, "c"),
        (contract.SEAT_OFFERED, "d"),
    ]
    assert told[0][1].reason == "offer_expired"
    assert await send(conn, contract.EXPIRE_OFFER, expiry) == []  # fired twice: stale now
    [(kind, granted)] = await send(conn, contract.ANSWER_OFFER, answer("d", True))
    assert kind == contract.SEAT_GRANTED and granted.promoted
    assert granted.sessions == {"runde-1": "temamoede-1"}
    assert await send(conn, contract.ANSWER_OFFER, answer("d", True)) == []


def test_every_command_type_is_routed():
    commands = {
        contract.DEFINE_EVENT,
        contract.CANCEL_EVENT,
        contract.REQUEST_SEAT,
        contract.RELEASE_SEAT,
        contract.ANSWER_OFFER,
        contract.EXPIRE_OFFER,
    }
    assert set(routes()) == commands
