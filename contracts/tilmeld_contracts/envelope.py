"""The CloudEvents 1.0 envelope: reading Kafka records in structured or binary mode, writing
structured mode. Reading never raises anything but `UnreadableRecord`, whose `reason` is the
dead-letter reason code."""

import base64
import binascii
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
JSON_CONTENT_TYPE = "application/json"
# The CloudEvents extension attribute that ties an input to everything that follows from it.
CORRELATION_ATTRIBUTE = "correlationid"

Headers = Sequence[tuple[str, bytes]]


class CloudEvent(BaseModel):
    """One CloudEvents 1.0 event. Unknown extension attributes are kept (tolerant reader)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: Literal["1.0"]
    id: str = Field(min_length=1)
    source: str = Field(min_length=1)
    type: str = Field(min_length=1)
    time: AwareDatetime
    subject: str | None = None
    datacontenttype: str | None = None
    dataschema: str | None = None
    data: Any = None


class UnreadableRecord(Exception):
    """A Kafka record that is not a CloudEvent we can read; it belongs on the dead-letter topic."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def _header(headers: Headers, name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("utf-8", errors="replace") if value is not None else None
    return None


def _loads(value: bytes | None, what: str) -> Any:
    if value is None:
        raise UnreadableRecord("not_json", f"{what} is empty")
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError as error:
        raise UnreadableRecord("not_json", f"{what} is not JSON: {error}") from None


def _validation_detail(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors()
    )


def read_record(value: bytes | None, headers: Headers) -> CloudEvent:
    """Read a record in binary mode (``ce_*`` headers) or structured mode (whole value)."""
    if _header(headers, "ce_specversion") is not None:
        attributes: dict[str, Any] = {
            key.lower()[3:]: raw.decode("utf-8", errors="replace")
            for key, raw in headers
            if key.lower().startswith("ce_") and raw is not None
        }
        content_type = _header(headers, "content-type") or JSON_CONTENT_TYPE
        if "json" not in content_type:
            raise UnreadableRecord("unsupported_content_type", f"data is {content_type}")
        attributes["data"] = _loads(value, "data") if value else None
        attributes.setdefault("datacontenttype", content_type)
    else:
        attributes = _loads(value, "record value")
        if not isinstance(attributes, dict):
            raise UnreadableRecord("not_cloudevent", "record value is not a JSON object")
        if "data_base64" in attributes:
            _decode_data_base64(attributes)
    try:
        return CloudEvent.model_validate(attributes)
    except ValidationError as error:
        raise UnreadableRecord("not_cloudevent", _validation_detail(error)) from None


def _decode_data_base64(attributes: dict[str, Any]) -> None:
    """The JSON format carries data that is not JSON text as `data_base64`, and some SDKs use it
    for any bytes: read it when its content type says JSON, as in binary mode."""
    encoded = attributes.pop("data_base64")
    if "data" in attributes:
        raise UnreadableRecord("not_cloudevent", "data and data_base64 are exclusive")
    content_type = attributes.get("datacontenttype") or JSON_CONTENT_TYPE
    if not isinstance(content_type, str) or "json" not in content_type:
        raise UnreadableRecord("unsupported_content_type", f"data is {content_type}")
    if not isinstance(encoded, str):
        raise UnreadableRecord("not_cloudevent", "data_base64: not a string")
    try:
        raw = base64.b64decode(encoded, validate=True)
    except binascii.Error as error:
        raise UnreadableRecord("not_cloudevent", f"data_base64 is not base64: {error}") from None
    attributes["data"] = _loads(raw, "data_base64")


def new_event(
    *,
    type: str,
    source: str,
    id: str,
    time: datetime,
    subject: str | None,
    data: BaseModel | Mapping[str, Any],
    correlation_id: str | None = None,
) -> CloudEvent:
    """An event with JSON data; `correlation_id` (the input's) set here saves `Tx.emit` a copy
    of the event to add it."""
    payload = data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
    extensions = {CORRELATION_ATTRIBUTE: correlation_id} if correlation_id else {}
    return CloudEvent(
        specversion="1.0",
        id=id,
        source=source,
        type=type,
        time=time,
        subject=subject,
        datacontenttype=JSON_CONTENT_TYPE,
        data=payload,
        **extensions,
    )


def encode(event: CloudEvent) -> bytes:
    """Structured-mode record value."""
    return orjson.dumps(event.model_dump(mode="json", exclude_none=True))


def structured_headers() -> list[tuple[str, bytes]]:
    return [("content-type", STRUCTURED_CONTENT_TYPE.encode())]


def validation_detail(error: ValidationError) -> str:
    """Human-readable one-line summary of a pydantic validation error."""
    return _validation_detail(error)
