"""A small batch through the pipeline on the real PostgreSQL, its inbox claim last (in the
closing statement, the transaction begun only by a handler's own statement) against first (BEGIN,
claim, …, COMMIT): the round trips a batch of steady traffic pays on every hop. The handler is
shaped like the sign-up hop's: `prepare` reads, each input gathers a row for the closing
statement and emits an event. Prints per batch: wall time, this process's CPU and statements.

    .venv/bin/python -m bench.closing_statement [--batches 500] [--size 10] [--rounds 6]
"""

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import asyncpg
import orjson
from pydantic import BaseModel

from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_runtime.db import migrate
from tilmeld_runtime.pipeline import Pipeline, Route, configure_claim_last
from tilmeld_runtime.testing import consumer_record, private_schema_pool
from tilmeld_runtime.tx import Tx
from tilmeld_runtime.writes import Write

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")
TYPE = "dk.example.thing.v1"


class Thing(BaseModel):
    name: str


async def _prepare(tx: Tx, items: Any) -> None:
    names = [thing.name for _, thing in items]
    await tx.conn.fetch("SELECT name FROM thing_log WHERE name = ANY($1::text[])", names)


async def _handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
    names: list[str] = tx.cache.setdefault("names", [])
    names.append(thing.name)
    tx.write_at_commit(
        "things",
        lambda: [Write("INSERT INTO thing_log (name) SELECT unnest($1::text[])", (names,))],
    )
    done = new_event(
        type="dk.example.done.v1",
        source="urn:bench",
        id=f"done-{event.id}",
        time=tx.now,
        subject=None,
        data={"name": thing.name},
    )
    tx.emit("out", "k", done)


def _records(start: int, size: int) -> list[Any]:
    return [
        consumer_record(
            "t",
            b"k",
            orjson.dumps(
                {
                    "specversion": "1.0",
                    "id": f"{n}",
                    "source": "urn:bench",
                    "type": TYPE,
                    "time": "2026-01-01T00:00:00Z",
                    "data": {"name": f"n{n}"},
                }
            ),
            offset=n,
            headers=[],
        )
        for n in range(start, start + size)
    ]


class _Counted:
    """The pool, counting the statements sent."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool, self.statements = pool, 0

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn:
            conn.add_query_logger(self.note)
            try:
                yield conn
            finally:
                conn.remove_query_logger(self.note)

    def note(self, _: Any) -> None:
        self.statements += 1


async def _round(pipeline: Pipeline, counted: _Counted, start: int, args: Any) -> dict[str, float]:
    counted.statements = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for b in range(args.batches):
        await pipeline.process_batch(_records(start + b * args.size, args.size))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_ms": 1000 * wall / args.batches,
        "cpu_ms": 1000 * cpu / args.batches,
        "statements": counted.statements / args.batches,
    }


async def run(args: Any) -> None:
    with tempfile.TemporaryDirectory() as no_migrations:
        async with private_schema_pool(DSN) as pool:
            await migrate(pool, Path(no_migrations))
            await pool.execute("CREATE TABLE thing_log (name text PRIMARY KEY)")
            counted = _Counted(pool)
            routes = {TYPE: Route(Thing, _handle)}
            pipeline = Pipeline(cast(asyncpg.Pool, counted), "t", routes, prepare=_prepare)
            results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
            for claim_last in (True, False):  # asyncpg reads the types each statement uses
                configure_claim_last(claim_last)
                await pipeline.process_batch(_records(-1 - claim_last, 1))
            start = 0
            for index in range(args.rounds):
                for claim_last in (True, False) if index % 2 == 0 else (False, True):
                    configure_claim_last(claim_last)
                    results[claim_last].append(await _round(pipeline, counted, start, args))
                    start += args.batches * args.size
                print(f"round {index + 1}/{args.rounds} done", flush=True)
            configure_claim_last(True)
    print(f"\nper batch of {args.size}, median of {args.rounds} rounds of {args.batches} batches:")
    for claim_last, label in ((False, "claim first"), (True, "claim last")):
        rows = results[claim_last]
        wall = statistics.median(r["wall_ms"] for r in rows)
        cpu = statistics.median(r["cpu_ms"] for r in rows)
        spread = f"{min(r['wall_ms'] for r in rows):.3f}–{max(r['wall_ms'] for r in rows):.3f}"
        print(
            f"  {label:12} wall {wall:.3f} ms ({spread}), this process's CPU {cpu:.3f} ms,"
            f" statements {statistics.median(r['statements'] for r in rows):.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=500, help="batches per round and mode")
    parser.add_argument("--size", type=int, default=10, help="inputs per batch")
    parser.add_argument("--rounds", type=int, default=6, help="rounds, both modes each")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
