"""Publishing one CloudEvent to Kafka and waiting for the broker's acknowledgement."""

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaError,
)
from pydantic import BaseModel

from tilmeld_contracts.envelope import CloudEvent, encode, new_event, structured_headers

DEFAULT_BOOTSTRAP = "127.0.0.1:9092"
CLI_SOURCE = "urn:tilmeld:cli"


@dataclass(frozen=True)
class Broker:
    bootstrap: str = DEFAULT_BOOTSTRAP
    timeout: float = 8.0  # seconds for connecting, publishing and the ack together


@dataclass(frozen=True)
class Delivered:
    topic: str
    partition: int
    offset: int


class BrokerUnavailable(Exception):
    pass


def cloudevent(
    *, type: str, subject: str | None, data: Any, source: str = CLI_SOURCE, id: str | None = None
) -> CloudEvent:
    """A new event with a uuid4 id (unless given) and the current time."""
    if isinstance(data, BaseModel | dict):
        return new_event(
            type=type,
            source=source,
            id=id or str(uuid4()),
            time=datetime.now(UTC),
            subject=subject,
            data=data,
        )
    # Raw test input (a JSON list, number, ...) that new_event would not take.
    event = new_event(
        type=type,
        source=source,
        id=id or str(uuid4()),
        time=datetime.now(UTC),
        subject=subject,
        data={},
    )
    return event.model_copy(update={"data": data})


async def _send(broker: Broker, topic: str, key: str, event: CloudEvent) -> Delivered:
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap,
        client_id="tilmeld-cli",
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=max(1000, int(broker.timeout * 1000)),
    )
    try:
        await producer.start()
        sent = await producer.send_and_wait(
            topic, value=encode(event), key=key.encode(), headers=structured_headers()
        )
        return Delivered(sent.topic, sent.partition, sent.offset)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), 2.0)


def publish(broker: Broker, topic: str, key: str, event: CloudEvent) -> Delivered:
    """Publish `event` in structured mode on `topic` under `key`; raise BrokerUnavailable when
    the broker has not acknowledged it within `broker.timeout` seconds."""
    try:
        return asyncio.run(asyncio.wait_for(_send(broker, topic, key, event), broker.timeout))
    except TimeoutError:
        detail = f"no acknowledgement within {broker.timeout:g} s"
    except (KafkaConnectionError, OSError):
        detail = "cannot connect (is it running and reachable?)"
    except KafkaError as error:
        detail = str(error) or type(error).__name__
    raise BrokerUnavailable(f"could not publish to Kafka at {broker.bootstrap}: {detail}")
