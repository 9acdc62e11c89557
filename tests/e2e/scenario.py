"""Building events and sign-ups for end-to-end tests; each test uses its own event id."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from ruamel.yaml import YAML

from tests.e2e.kafka_io import Producer, cloudevent
from tests.e2e.services import ROOT
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog
from tilmeld_contracts.signups import v1 as signups


def new_event_id(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def conference(event_id: str, capacity: int | None, **changes: Any) -> dict[str, Any]:
    day = datetime.now(UTC).replace(microsecond=0) + timedelta(days=60)
    return {
        "id": event_id,
        "kind": "conference",
        "title": f"Konference om dagtilbud {event_id}",
        "organiser": "Styrelsen for Undervisning og Kvalitet",
        "language": "da",
        "venue": {"name": "Odeon", "address": "Odeons Kvarter 1, 5000 Odense C"},
        "starts_at": day.isoformat(),
        "ends_at": (day + timedelta(hours=6)).isoformat(),
        "capacity": capacity,
    } | changes


def sample(name: str, **changes: Any) -> dict[str, Any]:
    """A definition from deploy/sample/, as the organiser wrote it, under a fresh event id."""
    text = (ROOT / "deploy" / "sample" / f"{name}.yaml").read_text("utf-8")
    definition = catalog.EventDefinition.model_validate(YAML(typ="safe").load(text))
    return definition.model_dump(mode="json") | {"id": new_event_id(name[:20])} | changes


async def cancel(producer: Producer, event_id: str, registration_id: str) -> str:
    event = cloudevent(
        signups.CANCELLATION_REQUESTED, {"event_id": event_id, "registration_id": registration_id}
    )
    await producer.send(topics.SIGNUPS, event_id, event)
    return str(event["id"])


def attendee(n: int, domain: str = "aarhus.dk", **changes: Any) -> dict[str, Any]:
    return {
        "name": f"Deltager {n}",
        "email": f"deltager{n}@{domain}",
        "organisation": "Aarhus Kommune",
        "municipality_code": "751",
        "job_title": "Pædagogisk leder",
    } | changes


async def publish_event(producer: Producer, definition: dict[str, Any]) -> None:
    event = cloudevent(
        catalog.EVENT_PUBLISHED, definition, source="urn:tilmeld:e2e", subject=definition["id"]
    )
    await producer.send(topics.CATALOG, definition["id"], event)


async def sign_up(
    producer: Producer,
    event_id: str,
    person: dict[str, Any],
    choices: dict[str, list[str]] | None = None,
    id_: str | None = None,
) -> str:
    """Publish a sign-up; returns its CloudEvents id."""
    event = cloudevent(
        signups.SIGNUP_REQUESTED,
        {"event_id": event_id, "attendee": person, "choices": choices or {}},
        id_=id_,
    )
    await producer.send(topics.SIGNUPS, event_id, event)
    return str(event["id"])


def outcome_for(events: list[dict[str, Any]], request_id: str) -> list[dict[str, Any]]:
    return [e for e in events if e["data"].get("request_id") == request_id]
