"""Offer mode: the answer to an offered seat, and its expiry. Either closes the offer once;
a declined or expired seat is offered to the next waiter at once."""

from datetime import datetime

from capacity.domain.decisions import Decision, SeatReleased
from capacity.domain.ledger import Ledger
from capacity.domain.model import EventState, Registration, Status
from capacity.domain.seating import seat_promoted

OFFER_DECLINED = "offer_declined"
OFFER_EXPIRED = "offer_expired"


def answer(
    state: EventState, registration_id: str, accepted: bool, now: datetime
) -> list[Decision]:
    offered = _open_offer(state, registration_id)
    if offered is None:
        return []  # no open offer (never made, answered before, expired or released)
    assert offered.offer_expires_at is not None
    ledger = Ledger(state, now)
    if now >= offered.offer_expires_at:
        # Too late, though the timer has not fired yet: the deadline is the offer's, not the
        # timer's, and the seat belongs to the next in line.
        ledger.record(SeatReleased(registration_id, OFFER_EXPIRED))
    elif accepted:
        ledger.record(seat_promoted(state, offered))
    else:
        ledger.record(SeatReleased(registration_id, OFFER_DECLINED))
    ledger.settle()
    return ledger.result()


def expire(
    state: EventState, registration_id: str, expires_at: datetime, now: datetime
) -> list[Decision]:
    offered = _open_offer(state, registration_id)
    if offered is None or offered.offer_expires_at != expires_at:
        return []  # a timer that outlived its offer
    # Not compared with `now`: the timer decided the offer is due, and a consumer whose clock
    # lags the timer's must not keep the seat from the next in line.
    ledger = Ledger(state, now)
    ledger.record(SeatReleased(registration_id, OFFER_EXPIRED))
    ledger.settle()
    return ledger.result()


def _open_offer(state: EventState, registration_id: str) -> Registration | None:
    known = state.registrations.get(registration_id)
    return known if known is not None and known.status is Status.OFFERED else None
