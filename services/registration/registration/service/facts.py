"""Building the public outcome facts (CloudEvents on tilmeld.registrations) and the commands
to the capacity service. Every outcome passes through `emit_fact`, so it is also where the
business counters are counted."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from registration.adapters.registrations_store import Registration
from registration.service import business_metrics
from tilmeld_contracts import topics
from tilmeld_contracts.envelope import new_event
from tilmeld_contracts.ids import random_id
from tilmeld_contracts.registration import v1 as facts
from tilmeld_runtime.tx import Tx

SOURCE = "urn:tilmeld:registration"


def emit_fact(tx: Tx, fact_type: str, event_id: str, registration_id: str, data: BaseModel) -> None:
    tx.emit(
        topics.REGISTRATIONS,
        event_id,
        new_event(
            type=fact_type,
            source=SOURCE,
            id=random_id(),
            time=tx.now,
            subject=registration_id,
            data=data,
            correlation_id=tx.correlation_id,
        ),
    )
    business_metrics.count_fact(tx, fact_type, event_id, data)


def emit_command(tx: Tx, command_type: str, event_id: str, subject: str, data: BaseModel) -> None:
    tx.emit(
        topics.CAPACITY_COMMANDS,
        event_id,
        new_event(
            type=command_type,
            source=SOURCE,
            id=random_id(),
            time=tx.now,
            subject=subject,
            data=data,
            correlation_id=tx.correlation_id,
        ),
    )
    business_metrics.note_command(tx, command_type, event_id)


def common(registration: Registration) -> dict[str, Any]:
    return {
        "registration_id": registration.id,
        "event_id": registration.event_id,
        "request_source": registration.request_source,
        "request_id": registration.request_id,
        "attendee": registration.attendee,
    }


def confirmed(registration: Registration, promoted: bool) -> tuple[str, BaseModel]:
    model = facts.RegistrationPromoted if promoted else facts.RegistrationConfirmed
    fact = model(
        **common(registration),
        sessions=registration.sessions,
        session_waitlists=registration.session_waitlists,
    )
    return (facts.PROMOTED if promoted else facts.CONFIRMED), fact


def rejected(
    *,
    registration_id: str,
    event_id: str,
    request_source: str,
    request_id: str,
    attendee: Any,
    reason: facts.RejectionReason,
    detail: str,
) -> facts.RegistrationRejected:
    return facts.RegistrationRejected(
        registration_id=registration_id,
        event_id=event_id,
        request_source=request_source,
        request_id=request_id,
        attendee=attendee,
        reason=reason,
        detail=detail,
    )


def offered(registration: Registration, expires_at: datetime) -> facts.RegistrationOffered:
    return facts.RegistrationOffered(**common(registration), expires_at=expires_at)
