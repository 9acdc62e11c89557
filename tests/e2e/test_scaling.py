"""Two instances of a service share its partitions; one dying mid-rush loses nothing; a
service's inputs split over two processes are decided as by one."""

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
from tilmeld_contracts.internal.capacity_v1 import REQUEST_SEAT, SEAT_GRANTED, SEAT_WAITLISTED
from tilmeld_contracts.signups.v1 import SIGNUP_REQUESTED

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
    return (await _handled_types(service.port)).get(REQUEST_SEAT, 0)


async def _metrics(port: int) -> list[str]:
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(f"http://127.0.0.1:{port}/metrics")).text.splitlines()


async def _handled_types(port: int) -> dict[str, float]:
    """Inputs a process handled, by CloudEvents type, from its own /metrics."""
    handled: dict[str, float] = {}
    for line in await _metrics(port):
        if line.startswith("tilmeld_inputs_total{") and 'outcome="handled"' in line:
            kind = line.split('type="', 1)[1].split('"', 1)[0]
            handled[kind] = handled.get(kind, 0) + float(line.rsplit(" ", 1)[1])
    return handled


async def _topics_read(port: int) -> set[str]:
    """The input topics a process consumes: it exposes its pipelines' counters from the start."""
    prefix = 'tilmeld_inbox_duplicates_total{topic="'
    return {
        line[len(prefix) :].split('"', 1)[0]
        for line in await _metrics(port)
        if line.startswith(prefix)
    }


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


async def test_registration_split_over_two_processes_decides_as_one(
    producer: Producer, outcomes: Tail, services: dict[str, ServiceProcess]
) -> None:
    """What `make run` runs: registration's sign-ups and its decisions in two processes
    (TILMELD_INPUT_TOPICS), one database, one relay."""
    whole = services["registration"]
    whole.stop()
    intake = ServiceProcess(
        "registration",
        whole.env | {"TILMELD_INPUT_TOPICS": "tilmeld.catalog,tilmeld.signups"},
        port=18081,
    )
    decisions = ServiceProcess(
        "registration",
        whole.env | {"TILMELD_INPUT_TOPICS": "tilmeld.internal.capacity-decisions"},
        port=18084,
    )
    try:
        for process in (intake, decisions):
            process.start()
            process.wait_ready()
        assert await _topics_read(intake.port) == {"tilmeld.catalog", "tilmeld.signups"}
        assert await _topics_read(decisions.port) == {"tilmeld.internal.capacity-decisions"}
        event_id = new_event_id("split")
        await publish_event(producer, conference(event_id, capacity=SEATS))
        requests = [
            await sign_up(producer, event_id, attendee(i, domain="split.dk")) for i in range(15)
        ]
        await eventually(
            lambda: all(outcome_for(outcomes.events(event_id), r) for r in requests),
            timeout=60,
            what="every sign-up decided",
        )
        facts = outcomes.events(event_id)
        kinds = [outcome_for(facts, r)[0]["type"].rsplit(".", 2)[-2] for r in requests]
        assert kinds == ["confirmed"] * SEATS + ["waitlisted"] * 5
        assert all(len({f["id"] for f in outcome_for(facts, r)}) == 1 for r in requests)

        by_intake = await _handled_types(intake.port)
        by_decisions = await _handled_types(decisions.port)
        assert by_intake.get(SIGNUP_REQUESTED, 0) >= 15
        assert by_decisions.get(SEAT_GRANTED, 0) >= SEATS
        assert by_decisions.get(SEAT_WAITLISTED, 0) >= 5
        assert not {SEAT_GRANTED, SEAT_WAITLISTED} & set(by_intake)
        assert SIGNUP_REQUESTED not in by_decisions
    finally:
        for process in (decisions, intake):
            process.stop()
        whole.restart()
