"""Offers in the PostgreSQL store: an offered registration and its deadline load back as they
were, and the timer table holds exactly one row per open offer, set and cleared in the
transaction that opens or closes it. Rolled back after each test."""

import asyncio
from datetime import timedelta

import pytest

from capacity.adapters import offer_timers, store
from capacity.adapters.offer_timers import OfferTimer
from capacity.domain import (
    ACTIVE,
    AnswerOffer,
    CancelEvent,
    DefineEvent,
    ExpireOffer,
    ReleaseSeat,
    RequestSeat,
    SeatRequest,
)


def request(rid):
    return RequestSeat(SeatRequest(rid, f"org-{rid}", {"r1": ("s1",)}))


@pytest.mark.parametrize("one_statement", [False, True])
async def test_offers_and_their_timers_through_the_store(
    conn, event_id, desk, layout, one_statement, through_store
):
    memory = desk(defined=False, event_id=event_id)
    offer_mode = layout(1, {"r1": {"s1": 1}}, promotion="offer", offer_hours=2)

    async def send(command, named=None):
        decided = await through_store(
            conn, event_id, command, named, memory.now, one_statement=one_statement
        )
        assert decided == memory.send(command)
        loaded = await store.load(conn, event_id)
        assert dict(loaded.registrations) == {
            k: r for k, r in memory.state.registrations.items() if r.status in ACTIVE
        }
        expected = [
            OfferTimer(event_id, r.registration_id, r.offer_expires_at)
            for r in memory.state.offered()
        ]
        assert await offer_timers.timers_of(conn, event_id) == expected
        return decided

    await send(DefineEvent(offer_mode))
    for rid in "abcde":
        await send(request(rid), rid)
    await send(ReleaseSeat("a", "by_attendee"), "a")  # b offered: a timer
    memory.advance(minutes=10)
    await send(AnswerOffer("b", accepted=False), "b")  # c offered: b's timer gone, c's set
    await send(ExpireOffer("c", memory.now), "c")  # stale: nothing changes
    memory.advance(hours=2)
    await send(ExpireOffer("c", memory.state.registrations["c"].offer_expires_at), "c")  # d
    await send(AnswerOffer("d", accepted=True), "d")  # d holds: no timers left
    assert (await store.load(conn, event_id)).registrations["d"].sessions == {"r1": "s1"}
    await send(DefineEvent(layout(3, {"r1": {"s1": 1}}, promotion="offer", offer_hours=2)))
    assert len(await offer_timers.timers_of(conn, event_id)) == 1  # e offered
    await send(CancelEvent())  # closes e's offer with the rest


async def test_due_timers_are_taken_once_earliest_first(
    pool, conn, event_id, desk, layout, through_store
):
    for rid in "abcd":
        await through_store(conn, event_id, request(rid), rid, desk().now)
    base = desk().now
    await offer_timers.set_timers(
        conn,
        [
            OfferTimer(event_id, "c", base + timedelta(minutes=2)),
            OfferTimer(event_id, "b", base + timedelta(minutes=1)),
            OfferTimer(event_id, "d", base + timedelta(hours=1)),
        ],
    )
    assert await offer_timers.next_expiry(conn) <= base + timedelta(minutes=1)
    due = await offer_timers.take_due(conn, base + timedelta(minutes=5), limit=10)
    assert [t.registration_id for t in due if t.event_id == event_id] == ["b", "c"]
    assert await offer_timers.timers_of(conn, event_id) == [
        OfferTimer(event_id, "d", base + timedelta(hours=1))
    ]


async def test_a_timer_taken_by_one_transaction_is_skipped_by_another(
    private_pool, desk, through_store
):
    pool, when = private_pool, desk().now
    async with pool.acquire() as setup, setup.transaction():
        await through_store(setup, "ev", request("a"), "a", when)
        await offer_timers.set_timers(setup, [OfferTimer("ev", "a", when)])
    async with pool.acquire() as first, pool.acquire() as second:
        tx1 = first.transaction()
        await tx1.start()
        [taken] = await offer_timers.take_due(first, when, 100)
        assert taken == OfferTimer("ev", "a", when)
        async with second.transaction():  # not blocked by the lock, and not given the row
            assert await asyncio.wait_for(offer_timers.take_due(second, when, 100), 5) == []
        await tx1.rollback()  # as after a crash before the commit: the timer is back
        assert await offer_timers.timers_of(second, "ev") == [taken]
