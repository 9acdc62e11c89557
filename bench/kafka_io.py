"""Producing the rush the way an outside system does (CloudEvents, structured mode), as fast as
one aiokafka producer can or at a fixed rate, stamping each request just before it is sent."""

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer

from bench.workload import SOURCE, Signup
from tilmeld_contracts.signups.v1 import SIGNUP_REQUESTED

HEADERS = [("content-type", b"application/cloudevents+json")]


def cloudevent(type_: str, data: Any, *, id_: str, source: str, subject: str | None) -> bytes:
    event = {
        "specversion": "1.0",
        "id": id_,
        "source": source,
        "type": type_,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
    }
    if subject:
        event["subject"] = subject
    return orjson.dumps(event)


def signup_records(event_id: str, people: Sequence[Signup]) -> list[tuple[str, bytes]]:
    """(request id, record value), encoded before the clock starts."""
    return [
        (
            s.request_id,
            cloudevent(
                SIGNUP_REQUESTED,
                {"event_id": event_id, "attendee": s.attendee, "choices": s.choices},
                id_=s.request_id,
                source=SOURCE,
                subject=None,
            ),
        )
        for s in people
    ]


def producer(bootstrap: str) -> AIOKafkaProducer:
    # What a careful outside system uses: idempotent, acks from all replicas.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=2
    )


class Sender:
    """Sends records keyed by one event id and remembers when each one went out."""

    def __init__(self, producer: AIOKafkaProducer, topic: str, key: str) -> None:
        self._producer, self._topic, self._key = producer, topic, key.encode()
        self.sent: dict[str, float] = {}

    async def burst(self, records: Sequence[tuple[str, bytes]]) -> None:
        acks = []
        for request_id, value in records:
            self.sent[request_id] = time.time()
            acks.append(await self._send(value))
        await asyncio.gather(*acks)

    async def at_rate(self, records: Sequence[tuple[str, bytes]], per_second: float) -> None:
        """Each record is due at start + i / rate; a tick sends whatever is due."""
        acks, start = [], time.time()
        for i, (request_id, value) in enumerate(records):
            delay = start + i / per_second - time.time()
            if delay > 0.001:
                await asyncio.sleep(delay)
            self.sent[request_id] = time.time()
            acks.append(await self._send(value))
        await asyncio.gather(*acks)

    async def _send(self, value: bytes) -> "asyncio.Future[Any]":
        ack: asyncio.Future[Any] = await self._producer.send(
            self._topic, value, key=self._key, headers=HEADERS
        )
        return ack
