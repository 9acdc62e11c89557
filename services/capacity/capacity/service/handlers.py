"""The capacity commands, each handled in the pipeline's transaction: lock and load the event,
decide, save what changed, and queue the decisions for the registration service."""

import logging
from typing import Any

from capacity.domain import (
    AnswerOffer,
    CancelEvent,
    Command,
    Decision,
    DefineEvent,
    EventState,
    ExpireOffer,
    ReleaseSeat,
    RequestSeat,
    decide,
    replay,
)
from capacity.service.states import EventStates
from capacity.service.touched import touched_registrations
from capacity.service.translate import cloudevent_of, layout_of, request_of
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.internal import capacity_v1 as contract
from tilmeld_runtime.pipeline import Route
from tilmeld_runtime.tx import Tx

log = logging.getLogger(__name__)


STATES = EventStates()


async def decide_and_save(
    tx: Tx, event_id: str, command: Command, named: str | None = None
) -> tuple[EventState, list[Decision]]:
    before = await STATES.load(tx, event_id, named)
    decisions = decide(before, command, tx.now)
    after = replay(before, decisions)
    STATES.saved(tx, after, touched_registrations(decisions), decided=bool(decisions))
    for decision in decisions:
        event = cloudevent_of(event_id, decision, tx.now, tx.correlation_id)
        if event is not None:
            tx.emit(topics.CAPACITY_DECISIONS, event_id, event)
    return before, decisions


async def on_define(tx: Tx, _envelope: CloudEvent, data: contract.DefineEvent) -> None:
    event_id = data.event.id
    before, decisions = await decide_and_save(tx, event_id, DefineEvent(layout_of(data.event)))
    if before.cancelled:
        log.warning("event %s is cancelled; its new definition is ignored", event_id)
    elif decisions:
        log.info("event %s defined: %d decisions", event_id, len(decisions))


async def on_cancel(tx: Tx, _envelope: CloudEvent, data: contract.CancelEvent) -> None:
    _, decisions = await decide_and_save(tx, data.event_id, CancelEvent())
    log.info("event %s cancelled: %d decisions", data.event_id, len(decisions))


async def on_request(tx: Tx, _envelope: CloudEvent, data: contract.RequestSeat) -> None:
    rid = data.registration_id
    _, decisions = await decide_and_save(tx, data.event_id, RequestSeat(request_of(data)), rid)
    if not decisions:
        log.info("registration %s in %s was answered before; no second answer", rid, data.event_id)


async def on_release(tx: Tx, _envelope: CloudEvent, data: contract.ReleaseSeat) -> None:
    rid = data.registration_id
    command = ReleaseSeat(rid, data.reason)
    _, decisions = await decide_and_save(tx, data.event_id, command, rid)
    if not decisions:
        log.warning("release of %s in %s: no such active registration", rid, data.event_id)


async def on_answer_offer(tx: Tx, _envelope: CloudEvent, data: contract.AnswerOffer) -> None:
    rid = data.registration_id
    command = AnswerOffer(rid, data.accepted)
    _, decisions = await decide_and_save(tx, data.event_id, command, rid)
    if not decisions:
        log.warning("offer answer for %s in %s: no open offer", rid, data.event_id)


async def on_expire_offer(tx: Tx, _envelope: CloudEvent, data: contract.ExpireOffer) -> None:
    rid = data.registration_id
    command = ExpireOffer(rid, data.expires_at)
    _, decisions = await decide_and_save(tx, data.event_id, command, rid)
    if not decisions:
        log.info("offer timer for %s in %s outlived its offer", rid, data.event_id)


def routes() -> dict[str, Route[Any]]:
    return {
        contract.DEFINE_EVENT: Route(contract.DefineEvent, on_define),
        contract.CANCEL_EVENT: Route(contract.CancelEvent, on_cancel),
        contract.REQUEST_SEAT: Route(contract.RequestSeat, on_request),
        contract.RELEASE_SEAT: Route(contract.ReleaseSeat, on_release),
        contract.ANSWER_OFFER: Route(contract.AnswerOffer, on_answer_offer),
        contract.EXPIRE_OFFER: Route(contract.ExpireOffer, on_expire_offer),
    }
