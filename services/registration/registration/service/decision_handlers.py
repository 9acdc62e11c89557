"""The capacity service's decisions become registration state and public outcome facts."""

from registration.adapters import enrolments_store
from registration.adapters import registrations_store as store
from registration.domain import statuses
from registration.domain.enrolment import fee_per_organisation
from registration.domain.signup_rules import organisation_key
from registration.service import batch_state as batch
from registration.service import facts
from registration.service.event_cache import known_event
from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.registration import v1 as outcome
from tilmeld_runtime.tx import Tx

_CANCELLATION_REASONS = {
    "by_attendee",
    "by_organiser",
    "offer_expired",
    "offer_declined",
    "event_cancelled",
}


async def on_seat_granted(tx: Tx, ce: CloudEvent, data: capacity.SeatGranted) -> None:
    registration = await batch.update(
        tx,
        data.registration_id,
        status=statuses.CONFIRMED,
        sessions=data.sessions,
        session_waitlists=data.session_waitlists,
        position=None,
        offer_expires_at=None,
    )
    if registration is None:
        return
    fact_type, fact = facts.confirmed(registration, promoted=data.promoted)
    facts.emit_fact(tx, fact_type, data.event_id, registration.id, fact)
    await _enrol_organisation(tx, registration)


async def _enrol_organisation(tx: Tx, registration: store.Registration) -> None:
    event = await known_event(tx, registration.event_id)
    fee = fee_per_organisation(event.definition) if event else None
    if fee is None:
        return
    attendee = registration.attendee
    key = organisation_key(attendee)
    if await enrolments_store.enrol(tx.conn, registration.event_id, key, registration.id, fee):
        facts.emit_fact(
            tx,
            outcome.ORGANISATION_ENROLLED,
            registration.event_id,
            registration.id,
            outcome.OrganisationEnrolled(
                event_id=registration.event_id,
                organisation=attendee.organisation,
                municipality_code=attendee.municipality_code,
                registration_id=registration.id,
                fee_dkk=fee,
            ),
        )


async def on_seat_waitlisted(tx: Tx, ce: CloudEvent, data: capacity.SeatWaitlisted) -> None:
    registration = await batch.update(
        tx, data.registration_id, status=statuses.WAITLISTED, position=data.position
    )
    if registration is None:
        return
    facts.emit_fact(
        tx,
        outcome.WAITLISTED,
        data.event_id,
        registration.id,
        outcome.RegistrationWaitlisted(**facts.common(registration), position=data.position),
    )


async def on_seat_offered(tx: Tx, ce: CloudEvent, data: capacity.SeatOffered) -> None:
    registration = await batch.update(
        tx, data.registration_id, status=statuses.OFFERED, offer_expires_at=data.expires_at
    )
    if registration is None:
        return
    facts.emit_fact(
        tx,
        outcome.OFFERED,
        data.event_id,
        registration.id,
        facts.offered(registration, data.expires_at),
    )


async def on_seat_released(tx: Tx, ce: CloudEvent, data: capacity.SeatReleased) -> None:
    reason = data.reason if data.reason in _CANCELLATION_REASONS else "by_organiser"
    registration = await batch.update(
        tx, data.registration_id, status=statuses.CANCELLED, reason=reason, position=None
    )
    if registration is None:
        return
    facts.emit_fact(
        tx,
        outcome.CANCELLED,
        data.event_id,
        registration.id,
        outcome.RegistrationCancelled(**facts.common(registration), reason=reason),
    )


async def on_sessions_changed(tx: Tx, ce: CloudEvent, data: capacity.SessionsChanged) -> None:
    registration = await batch.get(tx, data.registration_id)
    if registration is None:
        return
    waits = {
        r: s for r, s in registration.session_waitlists.items() if data.sessions.get(r) is None
    }
    registration = await batch.update(
        tx, data.registration_id, sessions=data.sessions, session_waitlists=waits
    )
    assert registration is not None
    facts.emit_fact(
        tx,
        outcome.SESSION_CHANGED,
        data.event_id,
        registration.id,
        outcome.RegistrationSessionChanged(**facts.common(registration), sessions=data.sessions),
    )


async def on_seat_refused(tx: Tx, ce: CloudEvent, data: capacity.SeatRefused) -> None:
    registration = await batch.update(
        tx,
        data.registration_id,
        status=statuses.REJECTED,
        reason=data.reason,
        detail=data.detail,
    )
    if registration is None:
        return
    facts.emit_fact(
        tx,
        outcome.REJECTED,
        data.event_id,
        registration.id,
        facts.rejected(
            registration_id=registration.id,
            event_id=data.event_id,
            request_source=registration.request_source,
            request_id=registration.request_id,
            attendee=registration.attendee,
            reason=data.reason,
            detail=data.detail,
        ),
    )
