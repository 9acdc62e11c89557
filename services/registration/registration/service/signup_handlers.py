"""Inputs from other systems on tilmeld.signups: sign-ups, cancellations, offer answers."""

from collections.abc import Awaitable, Callable

from registration.adapters import registrations_store as store
from registration.adapters.registrations_bulk import NewRegistration
from registration.domain import statuses
from registration.domain.ids import registration_id
from registration.domain.signup_rules import decide_signup, organisation_key
from registration.service import batch_state as batch
from registration.service import facts
from registration.service.event_cache import known_event
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.registration import v1 as outcome
from tilmeld_contracts.signups.v1 import CancellationRequested, OfferAnswer, SignupRequested
from tilmeld_runtime.tx import Tx

CatalogWait = Callable[[], Awaitable[bool]]


class SignupHandlers:
    def __init__(self, wait_for_catalog: CatalogWait) -> None:
        self._wait_for_catalog = wait_for_catalog

    async def on_signup(self, tx: Tx, ce: CloudEvent, request: SignupRequested) -> None:
        reg_id = registration_id(ce.source, ce.id)
        attendee = request.attendee
        event = await known_event(tx, request.event_id)
        if event is None and await self._wait_for_catalog():
            event = await known_event(tx, request.event_id)
        org_key = organisation_key(attendee)
        holdings = await batch.holdings(tx, request.event_id, attendee.email.lower(), org_key)
        rejection = decide_signup(event, request, holdings, tx.now)
        if rejection is not None:
            facts.emit_fact(
                tx,
                outcome.REJECTED,
                request.event_id,
                reg_id,
                facts.rejected(
                    registration_id=reg_id,
                    event_id=request.event_id,
                    request_source=ce.source,
                    request_id=ce.id,
                    attendee=attendee,
                    reason=rejection.reason,
                    detail=rejection.detail,
                ),
            )
            return
        batch.add(
            tx,
            NewRegistration(
                id=reg_id,
                event_id=request.event_id,
                attendee=attendee,
                organisation_key=org_key,
                choices=request.choices,
                request_source=ce.source,
                request_id=ce.id,
            ),
        )
        facts.emit_command(
            tx,
            capacity.REQUEST_SEAT,
            request.event_id,
            reg_id,
            capacity.RequestSeat(
                event_id=request.event_id,
                registration_id=reg_id,
                organisation_key=org_key,
                choices=request.choices,
            ),
        )

    async def on_invalid_signup(self, tx: Tx, ce: CloudEvent, detail: str) -> None:
        """Readable CloudEvent, invalid data: tell the sender why (not a dead letter)."""
        self._reject_invalid(tx, ce, detail)

    async def on_cancellation(self, tx: Tx, ce: CloudEvent, request: CancellationRequested) -> None:
        await batch.write_new(tx)
        found = None
        if request.registration_id is not None:
            found = await store.get(tx.conn, request.registration_id)
            if found is not None and found.event_id != request.event_id:
                found = None
        elif request.email is not None:
            found = await store.find_active_by_email(tx.conn, request.event_id, request.email)
        if found is None or found.status not in statuses.ACTIVE:
            state = "not found" if found is None else f"is {found.status}"
            self._reject_invalid(
                tx,
                ce,
                f"no active registration to cancel: {state}",
                known_registration_id=found.id if found else None,
            )
            return
        facts.emit_command(
            tx,
            capacity.RELEASE_SEAT,
            found.event_id,
            found.id,
            capacity.ReleaseSeat(
                event_id=found.event_id,
                registration_id=found.id,
                reason="by_attendee",
            ),
        )

    async def on_offer_answer(self, tx: Tx, ce: CloudEvent, answer: OfferAnswer) -> None:
        await batch.write_new(tx)
        found = await store.get(tx.conn, answer.registration_id)
        if found is None or found.event_id != answer.event_id or found.status != statuses.OFFERED:
            self._reject_invalid(
                tx,
                ce,
                "no open offer for this registration",
                known_registration_id=answer.registration_id,
            )
            return
        accepted = ce.type.endswith("offer.accepted.v1")
        facts.emit_command(
            tx,
            capacity.ANSWER_OFFER,
            found.event_id,
            found.id,
            capacity.AnswerOffer(
                event_id=found.event_id,
                registration_id=found.id,
                accepted=accepted,
            ),
        )

    def _reject_invalid(
        self, tx: Tx, ce: CloudEvent, detail: str, known_registration_id: str | None = None
    ) -> None:
        data = ce.data if isinstance(ce.data, dict) else {}
        raw_event_id = data.get("event_id")
        event_id = raw_event_id if isinstance(raw_event_id, str) else ""
        reg_id = known_registration_id or registration_id(ce.source, ce.id)
        facts.emit_fact(
            tx,
            outcome.REJECTED,
            event_id or "unknown",
            reg_id,
            facts.rejected(
                registration_id=reg_id,
                event_id=event_id,
                request_source=ce.source,
                request_id=ce.id,
                attendee=data.get("attendee"),
                reason="invalid_request",
                detail=detail,
            ),
        )
