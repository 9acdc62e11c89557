"""Two instances of a service share its partitions; one dying mid-rush loses nothing."""

import asyncio

import httpx
from aiokafka.partitioner import murmur2

from tests.e2e.kafka_io import Producer, Tail, eventually, partitions_of
from tests.e2e.scenario import (
    attendee,
    conference,
    new_event_id,
    outcome_for,
    publish_event,
    sign_up,
)
from tests.e2e.services import ServiceProcess
from tilmeld_contracts.internal.capacity_v1 import REQUEST_SEAT

PER_EVENT, SEATS = 40, 10
COMMANDS = "tilmeld.internal.capacity-commands"


def _one_event_per_partition(partitions: int) -> list[str]:
    """Event ids whose keys land on every partition (Kafka's default murmur2 partitioner), so
    each instance surely decides some, whichever partitions the rebalance gives it."""
    by_partition: dict[int, str] = {}
    while len(by_partition) < partitions:
        event_id = new_event_id("scale")
        by_partition.setdefault((murmur2(event_id.encode()) & 0x7FFFFFFF) % partitions, event_id)
    return list(by_partition.values())


async def _until_handled(service: ServiceProcess, timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while await _handled(service) == 0:
        assert asyncio.get_running_loop().time() < deadline, (
            "the second instance decided no sign-up"
        )
        await asyncio.sleep(0.1)


async def _handled(service: ServiceProcess) -> float:
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"http://127.0.0.1:{service.port}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tilmeld_inputs_total{")
        and 'outcome="handled"' in line
        and f'type="{REQUEST_SEAT}"' in line
    )


async def test_a_second_capacity_instance_shares_partitions_and_can_die_mid_rush(
    producer: Producer, outcomes: Tail, services: dict[str, ServiceProcess]
) -> None:
    first = services["capacity"]
    second = ServiceProcess("capacity", first.env, port=18082)
    second.start()
    second.wait_ready()  # ready = it has partitions of its own (consumers assigned)
    try:
        # One event per partition, so both instances own some of them.
        event_ids = _one_event_per_partition(len(await partitions_of(COMMANDS)))
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
        await _until_handled(second)  # it decides its share of the rush
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
