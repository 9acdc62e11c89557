"""The registration service's business gauges follow an event through its life, read from the
running service's /metrics: they appear when it is published, move with each sign-up, and
disappear when it is cancelled (no series is left behind for events that are gone)."""

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.kafka_io import Producer, cloudevent
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event, sign_up
from tests.e2e.services import ServiceProcess
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog

GAUGES = ("tilmeld_event_seats_available", "tilmeld_waitlist_length", "tilmeld_offers_outstanding")


async def _gauges(port: int, event_id: str) -> dict[str, float]:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name in GAUGES and sample.labels.get("event") == event_id
    }


async def _until(port: int, event_id: str, expected: dict[str, float]) -> None:
    deadline = asyncio.get_running_loop().time() + 20
    while (shown := await _gauges(port, event_id)) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"{shown} != {expected}"
        await asyncio.sleep(0.2)


async def test_an_events_gauges_follow_it_and_go_when_it_is_cancelled(
    services: dict[str, ServiceProcess], producer: Producer
) -> None:
    port = services["registration"].port
    event_id = new_event_id("gauges")
    await publish_event(producer, conference(event_id, 2))
    empty = {"tilmeld_event_seats_available": 2, "tilmeld_waitlist_length": 0}
    await _until(port, event_id, empty | {"tilmeld_offers_outstanding": 0})
    for n in range(3):
        await sign_up(producer, event_id, attendee(n))
    full = {"tilmeld_event_seats_available": 0, "tilmeld_waitlist_length": 1}
    await _until(port, event_id, full | {"tilmeld_offers_outstanding": 0})
    cancelled = cloudevent(
        catalog.EVENT_CANCELLED,
        {"event_id": event_id, "reason": "Aflyst"},
        source="urn:tilmeld:e2e",
        subject=event_id,
    )
    await producer.send(topics.CATALOG, event_id, cancelled)
    await _until(port, event_id, {})
