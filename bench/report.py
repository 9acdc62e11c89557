"""The result: one table on stdout, the same figures as JSON with facts about the machine."""

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from bench.config import ROOT, Config

COLUMNS = ("decided_per_s", "steady_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n")


def ratio(numerator: dict[str, Any] | None, denominator: dict[str, Any] | None) -> float | None:
    if not numerator or not denominator:
        return None
    top, bottom = numerator.get("decided_per_s"), denominator.get("decided_per_s")
    return round(top / bottom, 3) if top and bottom else None


def worst_seconds(seconds: list[dict[str, Any]], count: int = 3) -> str:
    """The first second and the `count` worst others by p99: where the phase's tail is."""
    first, rest = seconds[0], sorted(seconds[1:], key=lambda s: s["p99_ms"], reverse=True)
    worst = ", ".join(f"{s['second']} s {s['p99_ms']:,.0f} ms" for s in rest[:count])
    return f"p99 of the first second {first['p99_ms']:,.0f} ms; worst others: {worst or '-'}"


def table(result: dict[str, Any]) -> str:
    def cell(value: Any) -> str:
        return "-" if value is None else f"{value:,.1f}" if isinstance(value, float) else str(value)

    heads = ("decided/s", "steady/s", *COLUMNS[2:])
    lines = [f"{'':22}" + "".join(f"{c:>13}" for c in heads)]
    for name in ("tilmeld", "floor", "monolith"):
        row = result.get(name) or {}
        lines.append(f"{name:22}" + "".join(f"{cell(row.get(c)):>13}" for c in COLUMNS))
    for label, key in (
        ("Tilmeld / floor", "ratio_floor"),
        ("Tilmeld / monolith", "ratio_monolith"),
    ):
        value = result[key]
        lines.append(f"{label:22}{'-' if value is None else f'{value:.3f}':>13}")
    fixed = result["fixed_rate"]
    lines.append(
        f"fixed rate {cell(fixed['offered_per_s'])}/s for {cell(fixed['duration_s'])} s:"
        f" Tilmeld p50 {cell(fixed['p50_ms'])} ms, p95 {cell(fixed['p95_ms'])} ms,"
        f" p99 {cell(fixed['p99_ms'])} ms, max {cell(fixed['max_ms'])} ms"
        f" (achieved offer {cell(fixed['achieved_offered_per_s'])}/s;"
        f" floor p99 {cell((fixed.get('floor') or {}).get('p99_ms'))} ms)"
    )
    if seconds := fixed.get("per_second"):
        lines.append(f"fixed rate by second: {worst_seconds(seconds)}")
    lines.append(f"violations (Tilmeld): {result['violations']}")
    mail = result.get("mail") or {}
    lines.append(
        f"confirmation mails: {mail.get('confirmation_mails_received')}"
        f"/{mail.get('confirmations')}, last after {cell(mail.get('last_confirmation_mail_s'))} s"
        f" (notification sends at most {mail.get('rate_limit_per_s')}/s)"
    )
    cpu = (result.get("tilmeld") or {}).get("cpu") or {}
    lines.append(
        "rush CPU: "
        + ", ".join(f"{n} {s:.1f} s" for n, s in (cpu.get("cpu_s") or {}).items())
        + f"; machine busy {cell(cpu.get('machine_busy_pct'))} %"
    )
    rss = result.get("rss_max_mb") or {}
    lines.append("max RSS: " + ", ".join(f"{n} {mb:.0f} MB" for n, mb in rss.items()))
    return "\n".join(lines)


async def machine(config: Config) -> dict[str, Any]:
    return {
        "hostname": platform.node(),
        "cpu": _cpu_model(),
        "cpus": os.cpu_count(),
        "memory_gb": round(_mem_total_kb() / 1024 / 1024, 1),
        "load_average": os.getloadavg(),
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "aiokafka": version("aiokafka"),
        "asyncpg": version("asyncpg"),
        "postgresql": await _postgres_version(config.bench_dsn),
        "databases": await database_state(config.bench_dsn),
        "git": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
    }


def write_json(result: dict[str, Any], config: Config) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = config.json_out or config.results_dir / f"{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return path


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _mem_total_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


async def _postgres_version(dsn: str) -> str | None:
    try:
        conn = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


SERVICE_DATABASES = ("registration", "capacity", "notification")


async def database_state(dsn: str) -> dict[str, Any] | None:
    """How much the service databases hold before the run, against PostgreSQL's buffer cache:
    after many runs the same bench is measurably slower (4.2 GB held: Tilmeld, the floor and the
    monolith all 5–20 % slower than from a clean state)."""
    try:
        conn = await asyncpg.connect(dsn)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        sizes = await conn.fetch(
            "SELECT datname, pg_database_size(datname) AS bytes FROM pg_database"
            " WHERE datname = ANY($1::text[])",
            list(SERVICE_DATABASES),
        )
        buffers = await conn.fetchval(
            "SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'"
        )
    finally:
        await conn.close()
    return {
        "size_mb": {r["datname"]: round(r["bytes"] / 2**20) for r in sizes},
        "shared_buffers_mb": round(buffers / 2**20),
    }


def database_warning(state: dict[str, Any] | None) -> str | None:
    if not state:
        return None
    held = sum(state["size_mb"].values())
    if held <= state["shared_buffers_mb"]:
        return None
    return (
        f"note: the service databases hold {held:,} MB, more than shared_buffers"
        f" ({state['shared_buffers_mb']:,} MB): expect lower figures than from a clean state"
        " (bash deploy/local/infra.sh reset)"
    )


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return done.stdout.strip()
