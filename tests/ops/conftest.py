"""A real Prometheus scraping the three services, and one scripted scenario whose effect on the
metrics the scenario and dashboard tests check through Prometheus' query API."""

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.e2e.kafka_io import Producer, Tail, cloudevent, eventually
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event
from tests.e2e.services import ServiceProcess
from tests.ops import business
from tests.ops.business import SEATS, SIGNUPS
from tests.ops.prometheus import Prometheus
from tilmeld_contracts import topics
from tilmeld_contracts.signups import v1 as signups

JOBS = ("registration", "capacity", "notification")

# Counters the scenario moves, and by exactly how much (read before and after, through
# Prometheus). Three seats, five sign-ups, the first sign-up again (same CloudEvents id), one
# sign-up without a usable email address, and one record that is not JSON.
SIGNUP_INPUTS = 'tilmeld_inputs_total{job="registration",topic="tilmeld.signups"'
EXPECTED_DELTAS = {
    f'sum({SIGNUP_INPUTS},type="{signups.SIGNUP_REQUESTED}",outcome="handled"}})': SIGNUPS,
    f'sum({SIGNUP_INPUTS},type="{signups.SIGNUP_REQUESTED}",outcome="duplicate"}})': 1,
    f'sum({SIGNUP_INPUTS},type="{signups.SIGNUP_REQUESTED}",outcome="invalid"}})': 1,
    f'sum({SIGNUP_INPUTS},outcome="deadlettered"}})': 1,
    'sum(tilmeld_deadlettered_total{job="registration",topic="tilmeld.signups",'
    'reason="not_json"})': 1,
    'sum(tilmeld_inbox_duplicates_total{job="registration",topic="tilmeld.signups"})': 1,
    'sum(tilmeld_handler_duration_seconds_count{job="registration",topic="tilmeld.signups"})': 8,
    'sum(faststream_received_messages_total{job="registration",handler="tilmeld.signups"})': 8,
    'sum(tilmeld_inputs_total{job="capacity",type="dk.tilmeld.internal.request-seat.v1",'
    'outcome="handled"})': SIGNUPS,
    # 3 confirmed + 2 waitlisted + 1 rejected reach notification; 5 mails go out, 1 is skipped.
    'sum(tilmeld_inputs_total{job="notification",topic="tilmeld.registrations",'
    'outcome="handled"})': SIGNUPS + 1,
    'sum(tilmeld_mails_total{job="notification",outcome="sent"})': SIGNUPS,
    'sum(tilmeld_mails_total{job="notification",outcome="skipped"})': 1,
    'sum(tilmeld_relay_published_total{job="notification",topic="tilmeld.notifications"})': (
        SIGNUPS + 1
    ),
    'sum(tilmeld_notifications_total{job="notification",channel="email",outcome="sent"})': SIGNUPS,
    'sum(tilmeld_notifications_total{job="notification",channel="email",outcome="failed"})': 1,
}
# Nothing in flight anywhere: every group committed everything, every outbox and mail queue
# empty, for longer than one lag sample (5 s).
QUIET = (
    "max(max_over_time(tilmeld_consumer_lag[7s]))",
    "max(max_over_time(tilmeld_outbox_backlog[7s]))",
    "max(max_over_time(tilmeld_mails_pending[7s]))",
)


@dataclass(frozen=True)
class Scenario:
    event_id: str
    before: dict[str, float]
    after: dict[str, float]
    # The business metrics of the scenario's own event once it settled (None: no series).
    business: dict[str, float | None]
    # Inputs other than ours that reached the services meanwhile (another engineer's tests on
    # the shared broker): they would move the same counters.
    foreign_inputs: int


@pytest.fixture(scope="session")
def prometheus(
    services: dict[str, ServiceProcess], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Prometheus]:
    running = frozenset(f"127.0.0.1:{s.port}" for s in services.values())
    server = Prometheus(tmp_path_factory.mktemp("prometheus"), running)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def scenario(prometheus: Prometheus) -> Scenario:
    for job in JOBS:
        await prometheus.wait_for(f'up{{job="{job}"}}', 1)
    for _ in range(3):  # again only when someone else's inputs disturbed the measurement
        observed = await _measure(prometheus)
        if observed.foreign_inputs == 0:
            break
    return observed


async def _measure(prometheus: Prometheus) -> Scenario:
    for expr in QUIET:
        await prometheus.wait_for(expr, 0, timeout=60)
    event_id = new_event_id("ops")
    inputs = [await Tail(t).start() for t in (topics.CATALOG, topics.SIGNUPS)]
    outputs = [await Tail(t).start() for t in (topics.REGISTRATIONS, topics.NOTIFICATIONS)]
    try:
        before = {expr: await prometheus.value(expr) or 0.0 for expr in EXPECTED_DELTAS}
        async with Producer() as producer:
            definition = conference(event_id, SEATS)
            await publish_event(producer, definition | {"rounds": business.rounds(definition)})
            # The new event shows up with every seat free before anyone signs up.
            await prometheus.wait_for(business.seats_available(event_id), SEATS)
            await _publish_signups(producer, event_id)
        for tail in outputs:  # outcomes; then the notifications about them
            await eventually(lambda t=tail: len(t.events(event_id)) == SIGNUPS + 1, what=tail.topic)
        after = await _settled(prometheus, before)
        shown = await _business_settled(prometheus, business.expected(event_id))
        foreign = sum(len(t.records) - len(t.with_key(event_id)) for t in inputs)
    finally:
        for tail in inputs + outputs:
            await tail.stop()
    return Scenario(event_id, before, after, shown, foreign)


async def _publish_signups(producer: Producer, event_id: str) -> None:
    requests = [
        cloudevent(
            signups.SIGNUP_REQUESTED,
            {"event_id": event_id, "attendee": attendee(n), "choices": business.CHOICES},
        )
        for n in range(SIGNUPS)
    ]
    unusable = {"event_id": event_id, "attendee": attendee(0, email="ikke-en-adresse")}
    for request in [*requests, requests[0]]:  # the first one twice
        await producer.send(topics.SIGNUPS, event_id, request)
    await producer.send(topics.SIGNUPS, event_id, cloudevent(signups.SIGNUP_REQUESTED, unusable))
    await producer.send(topics.SIGNUPS, event_id, b"{ikke json", headers=[])


async def _settled(prometheus: Prometheus, before: dict[str, float]) -> dict[str, float]:
    """The counters once they show the scenario (or after 20 s, whatever they show then)."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        now = {expr: await prometheus.value(expr) or 0.0 for expr in EXPECTED_DELTAS}
        settled = all(now[e] >= before[e] + delta for e, delta in EXPECTED_DELTAS.items())
        if settled or asyncio.get_running_loop().time() > deadline:
            return now
        await asyncio.sleep(0.25)


async def _business_settled(
    prometheus: Prometheus, expected: dict[str, float]
) -> dict[str, float | None]:
    """The event's business metrics once they show the scenario (the gauges are refreshed
    about once a second), or after 20 s whatever they show then."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        shown = {expr: await prometheus.value(expr) for expr in expected}
        if shown == expected or asyncio.get_running_loop().time() > deadline:
            return shown
        await asyncio.sleep(0.25)
