"""The PostgreSQL that deploy/local/infra.sh starts runs with the settings it promises: checkpoints
far apart (frequent ones doubled the WAL of a rush and stalled every hop; bench/RESULTS.md,
eleventh round), and the Compose file starts its PostgreSQL the same way."""

import asyncpg
from yaml import safe_load

from registration.config import Settings
from tests.ops.prometheus import ROOT

EXPECTED = {"max_wal_size": "4GB", "checkpoint_timeout": "15min", "synchronous_commit": "off"}


async def test_local_postgres_runs_with_the_settings_infra_writes() -> None:
    conn = await asyncpg.connect(Settings().registration_db)
    try:
        running = {name: await conn.fetchval(f"SHOW {name}") for name in EXPECTED}
    finally:
        await conn.close()
    assert running == EXPECTED


def test_compose_postgres_has_the_same_checkpoint_settings() -> None:
    compose = safe_load((ROOT / "deploy" / "compose" / "compose.yaml").read_text())
    command = compose["services"]["postgres"]["command"]
    settings = dict(arg.split("=", 1) for arg in command[2::2])
    assert command[0] == "postgres" and set(command[1::2]) == {"-c"}
    assert settings == {k: EXPECTED[k] for k in ("max_wal_size", "checkpoint_timeout")}
