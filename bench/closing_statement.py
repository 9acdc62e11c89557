"""A small batch through the pipeline on the real PostgreSQL, its inbox claim last (in the
closing statement, the transaction begun only by a handler's own statement) against first (BEGIN,
claim, …, COMMIT): the round trips a batch of steady traffic pays on every hop. The handler is
shaped like the sign-up hop's (tilmeld_runtime.example_pipeline): `prepare` reads, each input
gathers a row for the closing statement and emits an event. Prints per batch: wall time, this
process's CPU and statements.

    .venv/bin/python -m bench.closing_statement [--batches 500] [--size 10] [--rounds 6]
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tilmeld_runtime.db import migrate
from tilmeld_runtime.example_pipeline import create_tables, thing_pipeline, thing_record
from tilmeld_runtime.pipeline import Pipeline, configure_claim_last
from tilmeld_runtime.testing import LoggedPool, private_schema_pool

DSN = os.environ.get("TILMELD_BENCH_DB", "postgresql://bench:bench@127.0.0.1:55432/bench")


async def _round(
    pipeline: Pipeline, counted: LoggedPool, start: int, args: Any
) -> dict[str, float]:
    counted.statements.clear()
    wall, cpu = time.perf_counter(), time.process_time()
    for b in range(args.batches):
        first = start + b * args.size
        batch = [thing_record(f"{n}", f"n{n}", n) for n in range(first, first + args.size)]
        await pipeline.process_batch(batch)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_ms": 1000 * wall / args.batches,
        "cpu_ms": 1000 * cpu / args.batches,
        "statements": len(counted.statements) / args.batches,
    }


async def run(args: Any) -> None:
    with tempfile.TemporaryDirectory() as no_migrations:
        async with private_schema_pool(DSN) as pool:
            await migrate(pool, Path(no_migrations))
            await create_tables(pool)
            counted = LoggedPool(pool)
            pipeline = thing_pipeline(counted)
            results: dict[bool, list[dict[str, float]]] = {True: [], False: []}
            for claim_last in (True, False):  # asyncpg reads the types each statement uses
                configure_claim_last(claim_last)
                await pipeline.process_batch(
                    [thing_record(f"warm-{claim_last}", f"warm-{claim_last}", 0)]
                )
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
