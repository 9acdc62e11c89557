"""Round trips through the real broker: what the command publishes is a structured-mode
CloudEvent that `read_record` reads back with the same data, keyed by the event id."""

import asyncio
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tilmeld_cli.definition_check import check
from tilmeld_contracts import topics
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.envelope import STRUCTURED_CONTENT_TYPE, CloudEvent, read_record

SAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "sample" / "stuk-dagtilbud-2023.yaml"


def new_event_id() -> str:
    """Event ids for test traffic on the shared topics: recognisable, never a real event."""
    return f"cli-test-{uuid.uuid4().hex[:12]}"


async def publish_and_read(
    tilmeld: Callable[..., Result], tail: Callable[[str], Any], topic: str, *args: str
) -> tuple[CloudEvent, Any]:
    reader = await tail(topic)
    result = await asyncio.to_thread(tilmeld, *args)  # the command runs its own event loop
    assert result.exit_code == 0, result.output
    found = re.search(r"cloudevents id: (\S+)", result.stdout)
    assert found, result.stdout
    record = await reader.find(found.group(1))
    assert f"on {topic} (partition {record.partition}, offset {record.offset})" in result.stdout
    assert dict(record.headers)["content-type"] == STRUCTURED_CONTENT_TYPE.encode()
    event = read_record(record.value, record.headers)
    assert event.id == found.group(1)
    assert event.source == "urn:tilmeld:cli" or "--source" in args
    assert event.datacontenttype == "application/json"
    assert abs(event.time - datetime.now(UTC)) < timedelta(minutes=1)
    return event, record


@pytest.mark.parametrize(
    ("flag", "type_"),
    [
        ((), "dk.tilmeld.event.published.v1"),
        (("--changed",), "dk.tilmeld.event.changed.v1"),
    ],
)
async def test_events_publish_sends_the_validated_definition(
    tilmeld: Callable[..., Result],
    tail: Callable[[str], Any],
    tmp_path: Path,
    flag: tuple[str, ...],
    type_: str,
) -> None:
    event_id = new_event_id()
    text = SAMPLE.read_text(encoding="utf-8").replace(
        "id: stuk-dagtilbud-2023", f"id: {event_id}", 1
    )
    path = tmp_path / "event.yaml"
    path.write_text(text, encoding="utf-8")
    definition = check(text).definition
    assert definition is not None and definition.id == event_id

    event, record = await publish_and_read(
        tilmeld, tail, topics.CATALOG, "events", "publish", str(path), *flag
    )

    assert record.key == event_id.encode()
    assert (event.type, event.subject) == (type_, event_id)
    assert event.data == definition.model_dump(mode="json")
    assert EventDefinition.model_validate(event.data) == definition
    # Leave the compacted catalog with this test event cancelled, not open for sign-ups.
    assert (await asyncio.to_thread(tilmeld, "events", "cancel", event_id)).exit_code == 0


async def test_events_cancel(tilmeld: Callable[..., Result], tail: Callable[[str], Any]) -> None:
    event_id = new_event_id()
    event, record = await publish_and_read(
        tilmeld, tail, topics.CATALOG, "events", "cancel", event_id, "--reason", "Aflyst"
    )
    assert record.key == event_id.encode()
    assert event.type == "dk.tilmeld.event.cancelled.v1"
    assert event.data == {"event_id": event_id, "reason": "Aflyst"}


async def test_signup_publishes_the_contract_example(
    tilmeld: Callable[..., Result], tail: Callable[[str], Any]
) -> None:
    event_id, request_id = new_event_id(), str(uuid.uuid4())
    event, record = await publish_and_read(
        tilmeld,
        tail,
        topics.SIGNUPS,
        "signup",
        "--event",
        event_id,
        "--name",
        "Mette Hansen",
        "--email",
        "mette@aarhus.dk",
        "--organisation",
        "Aarhus Kommune",
        "--municipality-code",
        "751",
        "--job-title",
        "Pædagogisk leder",
        "--language",
        "da",
        "--choice",
        "runde-1=temamoede-3,temamoede-1",
        "--choice",
        "runde-2=temamoede-5",
        "--source",
        "urn:kl:website",
        "--id",
        request_id,
    )
    assert record.key == event_id.encode()
    assert (event.type, event.source, event.id) == (
        "dk.tilmeld.signup.requested.v1",
        "urn:kl:website",
        request_id,
    )
    assert event.data == {
        "event_id": event_id,
        "attendee": {
            "name": "Mette Hansen",
            "email": "mette@aarhus.dk",
            "organisation": "Aarhus Kommune",
            "municipality_code": "751",
            "job_title": "Pædagogisk leder",
            "language": "da",
        },
        "choices": {"runde-1": ["temamoede-3", "temamoede-1"], "runde-2": ["temamoede-5"]},
    }


async def test_raw_signup_sends_invalid_input_unchanged(
    tilmeld: Callable[..., Result], tail: Callable[[str], Any]
) -> None:
    event_id = new_event_id()
    event, _ = await publish_and_read(
        tilmeld,
        tail,
        topics.SIGNUPS,
        "signup",
        "--event",
        event_id,
        "--raw",
        "--name",
        "Mette Hansen",
        "--email",
        "mette-at-aarhus.dk",
    )
    assert event.data == {
        "event_id": event_id,
        "attendee": {"name": "Mette Hansen", "email": "mette-at-aarhus.dk"},
        "choices": {},
    }


@pytest.mark.parametrize(
    ("args", "type_", "data"),
    [
        (
            ["cancel", "--registration-id", "r-1"],
            "dk.tilmeld.cancellation.requested.v1",
            {"registration_id": "r-1"},
        ),
        (
            ["cancel", "--email", "mette@aarhus.dk"],
            "dk.tilmeld.cancellation.requested.v1",
            {"email": "mette@aarhus.dk"},
        ),
        (
            ["offer", "accept", "--registration-id", "r-1"],
            "dk.tilmeld.offer.accepted.v1",
            {"registration_id": "r-1"},
        ),
        (
            ["offer", "decline", "--registration-id", "r-1"],
            "dk.tilmeld.offer.declined.v1",
            {"registration_id": "r-1"},
        ),
    ],
)
async def test_cancellations_and_offer_answers(
    tilmeld: Callable[..., Result],
    tail: Callable[[str], Any],
    args: list[str],
    type_: str,
    data: dict[str, str],
) -> None:
    event_id = new_event_id()
    event, record = await publish_and_read(
        tilmeld, tail, topics.SIGNUPS, *args, "--event", event_id
    )
    assert record.key == event_id.encode()
    assert event.type == type_
    assert event.data == {"event_id": event_id, **data}
