"""FastStream's batch parser reads every record header as UTF-8 text and fails on a header whose
value is null or not UTF-8. Kafka allows both, and other clients send them (Java's producer takes
null header values). A failed parse skips the whole fetched batch: its records would be lost
with one log line. The pipeline reads the records and their headers itself (intake.py), so
FastStream only needs a text view of the headers: when its own parse fails, give it one, and
keep the records as they came. Upstream: ag2ai/faststream#2458 (non-UTF-8 values, open)."""

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeAlias

from aiokafka import ConsumerRecord

Record: TypeAlias = ConsumerRecord[bytes, bytes]
Parse = Callable[[Sequence[Record]], Awaitable[Any]]


async def parse_any_headers(records: Sequence[Record], original: Parse) -> Any:
    try:
        return await original(records)
    except (AttributeError, UnicodeDecodeError):  # a null or non-UTF-8 header value
        message = await original(tuple(_text_headers(record) for record in records))
        message.raw_message = records  # the pipeline reads the records as they came
        return message


def _text_headers(record: Record) -> Record:
    headers = [
        (name, b"" if value is None else value.decode("utf-8", "replace").encode())
        for name, value in record.headers or ()
    ]
    return dataclasses.replace(record, headers=headers)
