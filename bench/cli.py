"""Command line of `python -m bench.rush` and the system `make run` started."""

import argparse
import os
from pathlib import Path

from bench.config import ROOT, Config, Target
from bench.mail import MailFolder
from bench.rss import pid_from_run_state, pids_from_run_state
from bench.workload import Shape


def parse(argv: list[str]) -> Config:
    d, s = Config(), Shape()
    p = argparse.ArgumentParser(
        prog="python -m bench.rush",
        description="Registration rush against the running system (start it with `make run`).",
    )
    p.add_argument("--n", type=int, default=d.n, help="sign-ups in the rush (default %(default)s)")
    p.add_argument("--rate", type=float, default=d.rate, help="fixed-rate phase: sign-ups/s")
    p.add_argument("--duration", type=float, default=d.duration, help="fixed-rate phase: seconds")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--skip-baselines", action="store_true", help="only Tilmeld, no floor/monolith")
    p.add_argument("--json-out", type=Path, help="default bench/results/<UTC timestamp>.json")
    p.add_argument("--concurrency", type=int, default=d.concurrency, help="monolith connections")
    p.add_argument("--capacity", type=int, default=s.capacity)
    p.add_argument("--session-capacity", type=int, default=s.session_capacity)
    p.add_argument("--per-organisation-max", type=int, default=s.per_organisation_max)
    p.add_argument("--municipal-share", type=float, default=d.municipal_share)
    p.add_argument("--mail-timeout", type=float, default=d.mail_timeout, help="0: do not wait")
    p.add_argument("--stall-timeout", type=float, default=d.stall_timeout)
    p.add_argument("--bootstrap", default=os.environ.get("TILMELD_KAFKA_BOOTSTRAP", d.bootstrap))
    p.add_argument("--registration-url", default=d.registration_url)
    p.add_argument("--bench-dsn", default=d.bench_dsn)
    a = p.parse_args(argv)
    shape = Shape(
        capacity=a.capacity,
        session_capacity=a.session_capacity,
        per_organisation_max=a.per_organisation_max,
    )
    return Config(
        n=a.n,
        rate=a.rate,
        duration=a.duration,
        seed=a.seed,
        shape=shape,
        municipal_share=a.municipal_share,
        skip_baselines=a.skip_baselines,
        json_out=a.json_out,
        bootstrap=a.bootstrap,
        registration_url=a.registration_url,
        bench_dsn=a.bench_dsn,
        concurrency=a.concurrency,
        stall_timeout=a.stall_timeout,
        mail_timeout=a.mail_timeout,
    )


def target_from_run_state(since: float) -> Target:
    """The services and mail sink of `make run` (pids and mail under .run/)."""
    state = Path(os.environ.get("TILMELD_STATE_DIR", ROOT / ".run"))
    mail_dir = Path(os.environ.get("TILMELD_MAIL_SINK_DIR", state / "mail"))
    return Target(
        pids=pids_from_run_state(state / "pids"),
        kafka_pid=pid_from_run_state(state / "pids", "kafka"),
        mail=MailFolder(mail_dir, since - 1),
    )
