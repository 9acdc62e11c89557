"""Two instances of a service share its partitions; one dying mid-rush loses nothing."""

import httpx

from tests.e2e.kafka_io import Producer, Tail, eventually
from tests.e2e.scenario import (
    attendee,
    conference,
    new_event_id,
    outcome_for,
    publish_event,
    sign_up,
)
from tests.e2e.services import ServiceProcess

EVENTS, PER_EVENT, SEATS = 6, 40, 10


async def _handled(service: ServiceProcess) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{service.port}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tilmeld_inputs_total{") and 'outcome="handled"' in line
    )


async def test_a_second_capacity_instance_shares_partitions_and_can_die_mid_rush(
    producer: Producer, outcomes: Tail, services: dict[str, ServiceProcess]
) -> None:
    first = services["capacity"]
    second = ServiceProcess("capacity", first.env, port=18082)
    second.start()
    second.wait_ready()  # ready = it has partitions of its own (consumers assigned)
    try:
        # Several events, so their keys spread over the partitions both instances own.
        event_ids = [new_event_id("scale") for _ in range(EVENTS)]
        for event_id in event_ids:
            await publish_event(producer, conference(event_id, capacity=SEATS))
        requests: dict[str, list[str]] = {e: [] for e in event_ids}
        for i in range(PER_EVENT // 2):
            for event_id in event_ids:
                requests[event_id].append(
                    await sign_up(producer, event_id, attendee(i, domain=f"{event_id}.dk"))
                )
        await eventually(
            lambda: sum(len(outcomes.events(e)) for e in event_ids) >= 20, what="the rush under way"
        )
        assert await _handled(second) > 0, "the second instance decided part of the rush"
        second.kill()  # its partitions move back to the first instance (a rebalance)
        for i in range(PER_EVENT // 2, PER_EVENT):
            for event_id in event_ids:
                requests[event_id].append(
                    await sign_up(producer, event_id, attendee(i, domain=f"{event_id}.dk"))
                )

        def decided() -> bool:
            return all(outcome_for(outcomes.events(e), r) for e in event_ids for r in requests[e])

        await eventually(decided, timeout=120, what="every sign-up decided")
        for event_id in event_ids:
            facts = outcomes.events(event_id)
            kinds = []
            for request in requests[event_id]:
                distinct = {f["id"] for f in outcome_for(facts, request)}
                assert len(distinct) == 1, "exactly one outcome per sign-up"
                kinds.append(outcome_for(facts, request)[0]["type"].rsplit(".", 2)[-2])
            assert kinds == ["confirmed"] * SEATS + ["waitlisted"] * (PER_EVENT - SEATS)
            positions = [
                outcome_for(facts, r)[0]["data"]["position"] for r in requests[event_id][SEATS:]
            ]
            assert positions == list(range(1, PER_EVENT - SEATS + 1))
    finally:
        second.stop()
