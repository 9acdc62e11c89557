"""The registration rush of issue 6 against the running system (`make run`): a fresh
conference, N sign-ups as fast as one producer can, then a fixed offered rate; the same input
through the Kafka floor and a classic monolith; one table, one JSON file, loud failure on any
correctness violation.

    .venv/bin/python -m bench.rush --n 1000 --rate 200 --duration 5
"""

import asyncio
import dataclasses
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bench.cli import parse, target_from_run_state
from bench.config import Config, Target
from bench.floor import floor_summary, run_floor
from bench.kafka_io import signup_records
from bench.mail import wait_for_mail
from bench.monolith import run_monolith
from bench.progress import Progress
from bench.report import database_warning, machine, ratio, table, write_json
from bench.rss import RssSampler
from bench.targets import judged
from bench.tilmeld_phase import answers, run_tilmeld
from bench.workload import Signup, signups

FLOOR_WARM_UP = 2_000  # records through the floor's path before it is measured


async def run(config: Config, target: Target) -> dict[str, Any]:
    """Runs every phase and returns the result (also written as JSON)."""
    progress, rss = Progress(), RssSampler(target.pids)
    tag = uuid.uuid4().hex[:6]
    people = signups(
        config.n,
        seed=config.seed,
        tag=f"{tag}r",
        shape=config.shape,
        municipal_share=config.municipal_share,
    )
    steady = signups(
        round(config.rate * config.duration),
        seed=config.seed + 1,
        tag=f"{tag}f",
        shape=config.shape,
        municipal_share=config.municipal_share,
    )
    result: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(), "run": tag}
    result["machine"] = await machine(config)
    if warning := database_warning(result["machine"]["databases"]):
        progress.say(warning)
    result["config"] = _jsonable(config)
    try:
        # The baselines first, on a quiet box: run after Tilmeld they competed with its mail
        # going out (200/s for minutes) and the floor came out at half its speed.
        floor, monolith = await _baselines(config, tag, people, steady, progress)
        rss.start()
        progress.extra = rss.line
        progress.say(f"Tilmeld: {config.n} sign-ups as fast as one producer can")
        rush = await run_tilmeld(
            config,
            "tilmeld rush",
            f"bench-{tag}-rush",
            people,
            progress,
            pids=target.pids,
            kafka_pid=target.kafka_pid,
        )
        mail = _watch_mail(config, target, rush.confirmed_addresses(), rush.measured.sent)
        progress.say(f"Tilmeld: {len(steady)} sign-ups at {config.rate:g}/s")
        fixed = await run_tilmeld(
            config,
            "tilmeld fixed rate",
            f"bench-{tag}-fixed",
            steady,
            progress,
            config.rate,
            pids=target.pids,
            kafka_pid=target.kafka_pid,
        )
        result["rss_max_mb"] = {n: round(mb, 1) for n, mb in rss.max_mb.items()}
        progress.extra = lambda: ""
        if mail is not None:
            progress.say("waiting for the rush's confirmation mails")
        mail_result = await mail if mail is not None else {}
    finally:
        await progress.stop()
        await rss.stop()
    result["tilmeld"] = rush.summary()
    fixed_summary = fixed.summary(by_second=True)
    result["fixed_rate"] = fixed_summary | {
        "offered_per_s": config.rate,
        "duration_s": config.duration,
        "achieved_offered_per_s": fixed_summary["offered_per_s"],
        "floor": floor[1] if floor else None,
    }
    result["floor"] = floor[0] if floor else None
    result["monolith"] = monolith
    result["ratio_floor"] = ratio(result["tilmeld"], result["floor"])
    result["ratio_monolith"] = ratio(result["tilmeld"], monolith)
    result["violations"] = len(rush.violations) + len(fixed.violations)
    result["mail"] = mail_result | {
        "rate_limit_per_s": target.mail_rate_per_second(),
        "outcome_mails_queued": len(rush.outcomes) + len(fixed.outcomes),
    }
    result["targets"] = judged(result)
    result["json"] = str(write_json(result, config))
    return result


async def _baselines(
    config: Config,
    tag: str,
    people: Sequence[Signup],
    steady: Sequence[Signup],
    progress: Progress,
) -> tuple[list[dict[str, Any]] | None, dict[str, Any] | None]:
    if config.skip_baselines:
        return None, None
    progress.say("floor: the same records through 4 Kafka hops, 3 relay processes, no database")
    rush_key, fixed_key = f"bench-{tag}-rush", f"bench-{tag}-fixed"
    # Not measured: warms the broker and the relays before the floor is timed.
    warm_key, warm = f"bench-{tag}-warm-up", people[:FLOOR_WARM_UP]
    _, *measured = await run_floor(
        config,
        [
            ("floor warm-up", warm_key, signup_records(warm_key, warm), None),
            ("floor rush", rush_key, signup_records(rush_key, people), None),
            ("floor fixed rate", fixed_key, signup_records(fixed_key, steady), config.rate),
        ],
        progress,
    )
    progress.say(f"monolith: one transaction per sign-up, {config.concurrency} connections")
    monolith = await run_monolith(config, f"bench-{tag}-monolith", people, progress)
    return [floor_summary(m) for m in measured], monolith.summary(config.concurrency)


def _watch_mail(
    config: Config, target: Target, recipients: set[str], sent: dict[str, float]
) -> "asyncio.Task[dict[str, Any]] | None":
    """Confirmation mails trail the decisions (the notification service sends at a limited
    rate): watch for them while the other phases run."""
    if target.mail is None or config.mail_timeout <= 0 or not sent:
        return None
    watched = wait_for_mail(target.mail, recipients, min(sent.values()), config.mail_timeout)
    return asyncio.create_task(watched)


def _jsonable(config: Config) -> dict[str, Any]:
    return {
        k: str(v) if not isinstance(v, int | float | bool | dict | None) else v
        for k, v in dataclasses.asdict(config).items()
    }


async def _main() -> int:
    config = parse(sys.argv[1:])
    if not await asyncio.to_thread(answers, f"{config.registration_url}/readyz"):
        print(
            f"!! Tilmeld is not ready at {config.registration_url}: run `make run` first",
            file=sys.stderr,
        )
        return 2
    target = target_from_run_state(time.time())
    result = await run(config, target)
    print(table(result))
    print(f"JSON: {result['json']}")
    if result["violations"]:
        print(f"!! {result['violations']} CORRECTNESS VIOLATIONS:", file=sys.stderr)
        examples = result["tilmeld"]["violation_examples"]
        for example in examples + result["fixed_rate"]["violation_examples"]:
            print(f"   {example}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(_main()))
