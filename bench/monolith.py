"""The classic monolith baseline: what a typical web app does with the same sign-ups. One
asyncpg transaction per sign-up locks the event row (SELECT … FOR UPDATE), counts, inserts;
as many workers as pool connections. Latency runs from the request being issued to commit."""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import orjson

from bench import monolith_sql as sql
from bench.checks import QUOTA, Outcome, organisation_key, violations
from bench.config import Config
from bench.cpu import CpuMeter
from bench.progress import Progress
from bench.stats import summarise
from bench.workload import Shape, Signup


@dataclass(frozen=True, slots=True)
class MonolithRun:
    issued: dict[str, float]
    committed: dict[str, float]
    violations: list[str]
    cpu: dict[str, Any]

    def summary(self, concurrency: int) -> dict[str, Any]:
        # Every request is issued at once: the "offered" rate of a queue means nothing here.
        return summarise(self.issued, self.committed) | {
            "offered_per_s": None,
            "cpu": self.cpu,
            "concurrency": concurrency,
            # Informative: the monolith decides in lock order, which need not be arrival order.
            "violations": len(self.violations),
            "violation_examples": self.violations[:5],
        }


async def run_monolith(
    config: Config, event_id: str, people: Sequence[Signup], progress: Progress
) -> MonolithRun:
    await _prepare(config.bench_dsn, event_id, config.shape)
    pool = await asyncpg.create_pool(
        config.bench_dsn, min_size=config.concurrency, max_size=config.concurrency
    )
    issued: dict[str, float] = {}
    committed: dict[str, float] = {}
    cpu = CpuMeter({})
    cpu.start()
    try:
        queue: asyncio.Queue[Signup] = asyncio.Queue()
        for person in people:  # the whole rush arrives at once, as on the broker
            issued[person.request_id] = time.time()
            queue.put_nowait(person)
        progress.track("monolith rush", len(people), lambda: len(issued), lambda: len(committed))

        async def worker() -> None:
            while not queue.empty():
                person = queue.get_nowait()
                async with pool.acquire() as conn, conn.transaction():
                    await _sign_up(conn, event_id, person)
                committed[person.request_id] = time.time()

        await asyncio.gather(*(worker() for _ in range(config.concurrency)))
        await progress.stop()
        used = cpu.stop()
        outcomes = await _outcomes(pool, event_id)
    finally:
        await pool.close()
    return MonolithRun(issued, committed, violations(people, outcomes, config.shape), used)


async def _sign_up(conn: asyncpg.Connection, event_id: str, person: Signup) -> None:
    event = await conn.fetchrow(sql.LOCK_EVENT, event_id)
    attendee, org = person.attendee, organisation_key(person.attendee)
    status, position, reason, sessions = "rejected", None, None, {}
    if await conn.fetchval(sql.SAME_EMAIL, event_id, attendee["email"]) is not None:
        reason = "already_registered"
    elif (limit := event["per_organisation_max"]) is not None and await conn.fetchval(
        sql.IN_ORGANISATION, event_id, org
    ) >= limit:
        reason = QUOTA
    else:
        last = await conn.fetchval(sql.LAST_POSITION, event_id)
        capacity = event["capacity"]
        seat_free = capacity is None or await conn.fetchval(sql.CONFIRMED, event_id) < capacity
        if last == 0 and seat_free:
            status = "confirmed"
            sessions = _assign(person.choices, await conn.fetch(sql.SESSION_SEATS, event_id))
        else:
            status, position = "waitlisted", last + 1
    registration = await conn.fetchval(
        sql.INSERT,
        event_id,
        person.request_id,
        attendee["email"],
        org,
        orjson.dumps(attendee).decode(),
        orjson.dumps(person.choices).decode(),
        status,
        position,
        reason,
    )
    for round_id, session_id in sessions.items():
        if session_id is not None:
            await conn.execute(sql.INSERT_SEAT, registration, event_id, round_id, session_id)


def _assign(choices: dict[str, list[str]], seats: list[asyncpg.Record]) -> dict[str, str | None]:
    room = {
        (s["round_id"], s["session_id"]): s["capacity"] is None or s["taken"] < s["capacity"]
        for s in seats
    }
    return {
        round_id: next((s for s in ranked if room.get((round_id, s))), None)
        for round_id, ranked in choices.items()
    }


async def _prepare(dsn: str, event_id: str, shape: Shape) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql.SCHEMA)
        await conn.execute(
            "INSERT INTO mono_events VALUES ($1, $2, $3)",
            event_id,
            shape.capacity,
            shape.per_organisation_max,
        )
        await conn.executemany(
            "INSERT INTO mono_sessions VALUES ($1, $2, $3, $4)",
            [
                (event_id, r, s, shape.session_capacity)
                for r in shape.round_ids()
                for s in shape.session_ids()
            ],
        )
    finally:
        await conn.close()


async def _outcomes(pool: asyncpg.Pool, event_id: str) -> list[Outcome]:
    return [
        Outcome(
            request_id=row["request_id"],
            kind=row["status"],
            position=row["position"],
            sessions=orjson.loads(row["sessions"]),
            reason=row["reason"],
        )
        for row in await pool.fetch(sql.RESULTS, event_id)
    ]
