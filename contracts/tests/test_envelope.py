import base64

import orjson
import pytest

from tilmeld_contracts.envelope import UnreadableRecord, encode, new_event, read_record
from tilmeld_contracts.signups.v1 import SignupRequested

STRUCTURED = {
    "specversion": "1.0",
    "id": "42",
    "source": "urn:kl:website",
    "type": "dk.tilmeld.signup.requested.v1",
    "time": "2026-05-01T09:00:00+02:00",
    "data": {
        "event_id": "e",
        "attendee": {
            "name": "Mette Hansen",
            "email": "mette@aarhus.dk",
            "organisation": "Aarhus Kommune",
        },
    },
    "comexampleextension": "kept",
}


def test_reads_structured_mode() -> None:
    event = read_record(
        orjson.dumps(STRUCTURED), [("content-type", b"application/cloudevents+json")]
    )
    assert (event.source, event.id, event.type) == ("urn:kl:website", "42", STRUCTURED["type"])
    assert SignupRequested.model_validate(event.data).attendee.name == "Mette Hansen"
    assert event.model_extra == {"comexampleextension": "kept"}


def test_reads_binary_mode() -> None:
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"7"),
        ("ce_source", b"urn:crm"),
        ("ce_type", b"dk.tilmeld.cancellation.requested.v1"),
        ("ce_time", b"2026-05-01T07:00:00Z"),
        ("content-type", b"application/json"),
    ]
    event = read_record(b'{"event_id": "e", "email": "a@b.dk"}', headers)
    assert (event.source, event.id) == ("urn:crm", "7")
    assert event.data == {"event_id": "e", "email": "a@b.dk"}
    assert event.datacontenttype == "application/json"


def _with_data_base64(data: bytes, **attributes: str) -> bytes:
    event = {k: v for k, v in STRUCTURED.items() if k != "data"} | attributes
    return orjson.dumps(event | {"data_base64": base64.b64encode(data).decode()})


@pytest.mark.parametrize("content_type", [None, "application/json", "text/json; charset=utf-8"])
def test_reads_json_data_sent_as_data_base64(content_type: str | None) -> None:
    """Some SDKs write any bytes as `data_base64`; with a JSON content type it is the data."""
    extra = {"datacontenttype": content_type} if content_type else {}
    event = read_record(_with_data_base64(orjson.dumps(STRUCTURED["data"]), **extra), [])
    assert event.data == STRUCTURED["data"]
    assert "data_base64" not in (event.model_extra or {})


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (_with_data_base64(b"<x/>", datacontenttype="application/xml"), "unsupported_content_type"),
        (_with_data_base64(b"{ not json"), "not_json"),
        (_with_data_base64(b"{}")[:-2] + b'!!"}', "not_cloudevent"),
        (orjson.dumps({**STRUCTURED, "data_base64": "e30="}), "not_cloudevent"),
    ],
)
def test_unreadable_data_base64_names_its_reason(value: bytes, reason: str) -> None:
    with pytest.raises(UnreadableRecord) as caught:
        read_record(value, [])
    assert caught.value.reason == reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"\xff not json", "not_json"),
        (b"[1, 2]", "not_cloudevent"),
        (orjson.dumps({**STRUCTURED, "specversion": "0.3"}), "not_cloudevent"),
        (orjson.dumps({k: v for k, v in STRUCTURED.items() if k != "time"}), "not_cloudevent"),
        (orjson.dumps({k: v for k, v in STRUCTURED.items() if k != "source"}), "not_cloudevent"),
        (orjson.dumps({**STRUCTURED, "time": "yesterday"}), "not_cloudevent"),
        (None, "not_json"),
    ],
)
def test_unreadable_records_name_their_reason(value: bytes | None, reason: str) -> None:
    with pytest.raises(UnreadableRecord) as caught:
        read_record(value, [])
    assert caught.value.reason == reason
    assert caught.value.detail


def test_binary_mode_with_non_json_content_is_unreadable() -> None:
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"1"),
        ("ce_source", b"s"),
        ("ce_type", b"t"),
        ("ce_time", b"2026-05-01T07:00:00Z"),
        ("content-type", b"application/xml"),
    ]
    with pytest.raises(UnreadableRecord) as caught:
        read_record(b"<x/>", headers)
    assert caught.value.reason == "unsupported_content_type"


def test_written_events_read_back_unchanged() -> None:
    original = read_record(orjson.dumps(STRUCTURED), [])
    event = new_event(
        type=original.type,
        source="urn:tilmeld:test",
        id="1",
        time=original.time,
        subject="e",
        data=SignupRequested.model_validate(original.data),
    )
    again = read_record(encode(event), [])
    assert again == event
    assert orjson.loads(encode(event))["datacontenttype"] == "application/json"
