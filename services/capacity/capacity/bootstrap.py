"""Wires the capacity service: its database, migrations and the one pipeline it runs."""

from pathlib import Path

import asyncpg
from faststream.kafka import KafkaBroker

from capacity.config import Settings
from capacity.service.handlers import routes
from tilmeld_contracts import topics
from tilmeld_runtime.host import Parts, ServiceSpec
from tilmeld_runtime.pipeline import Pipeline

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: Settings) -> ServiceSpec:
    async def build(pool: asyncpg.Pool, broker: KafkaBroker) -> Parts:
        return Parts(pipelines=[Pipeline(pool, topics.CAPACITY_COMMANDS, routes())])

    return ServiceSpec(
        name="capacity", settings=settings, dsn=settings.capacity_db,
        migrations=MIGRATIONS, build=build,
    )
