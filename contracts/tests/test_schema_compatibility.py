"""The published JSON Schemas: committed, current, and compatible with what was released."""

import copy
import json

import pytest

from tilmeld_contracts.schemas import SCHEMA_DIR, current_schemas, file_name, incompatibilities

CURRENT = current_schemas()


def _load(directory: str, event_type: str) -> dict[str, object]:
    return json.loads((SCHEMA_DIR / directory / file_name(event_type)).read_text("utf-8"))


@pytest.mark.parametrize("event_type", sorted(CURRENT))
def test_committed_schema_is_current(event_type: str) -> None:
    assert _load("current", event_type) == json.loads(json.dumps(CURRENT[event_type])), (
        "regenerate with: .venv/bin/python -m tilmeld_contracts.schemas"
    )


@pytest.mark.parametrize("event_type", sorted(CURRENT))
def test_current_schema_is_compatible_with_released(event_type: str) -> None:
    released = SCHEMA_DIR / "released" / file_name(event_type)
    assert released.exists(), f"new type {event_type}: copy its schema into schemas/released/"
    assert incompatibilities(_load("released", event_type), CURRENT[event_type]) == []


CONFIRMED = "dk.tilmeld.registration.confirmed.v1"


def _attendee(schema: dict) -> dict:  # type: ignore[type-arg]
    return schema["$defs"]["Attendee"]


def test_removing_a_field_is_incompatible() -> None:
    new = copy.deepcopy(CURRENT[CONFIRMED])
    del new["properties"]["sessions"]
    assert any("sessions: field removed" in p for p in incompatibilities(CURRENT[CONFIRMED], new))


def test_narrowing_a_type_is_incompatible() -> None:
    new = copy.deepcopy(CURRENT[CONFIRMED])
    _attendee(new)["properties"]["job_title"] = {"type": "string"}
    problems = incompatibilities(CURRENT[CONFIRMED], new)
    assert any("job_title: type narrowed" in p for p in problems)


def test_optional_becoming_required_is_incompatible() -> None:
    new = copy.deepcopy(CURRENT[CONFIRMED])
    _attendee(new)["required"].append("job_title")
    problems = incompatibilities(CURRENT[CONFIRMED], new)
    assert any("job_title: optional became required" in p for p in problems)


def test_dropping_an_enum_value_is_incompatible() -> None:
    rejected = "dk.tilmeld.registration.rejected.v1"
    new = copy.deepcopy(CURRENT[rejected])
    new["properties"]["reason"]["enum"].remove("invalid_session")
    assert incompatibilities(CURRENT[rejected], new)


def test_adding_an_optional_field_is_compatible() -> None:
    new = copy.deepcopy(CURRENT[CONFIRMED])
    new["properties"]["badge_colour"] = {"type": "string"}
    assert incompatibilities(CURRENT[CONFIRMED], new) == []


def test_widening_a_type_is_compatible() -> None:
    waitlisted = "dk.tilmeld.registration.waitlisted.v1"
    new = copy.deepcopy(CURRENT[waitlisted])
    new["properties"]["position"] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert incompatibilities(CURRENT[waitlisted], new) == []
