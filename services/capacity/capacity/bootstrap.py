"""Wires the capacity service: its database, migrations, the one pipeline it runs and the
offer timer that sends the pipeline its expiries."""

from pathlib import Path

import asyncpg
from faststream.kafka import KafkaBroker

from capacity.adapters.offer_timers import CHANNEL
from capacity.config import Settings
from capacity.service.handlers import routes
from capacity.service.offer_timer import OfferTimer
from tilmeld_contracts import topics
from tilmeld_runtime.host import Parts, ServiceSpec
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.statistics import StatisticsKeeper
from tilmeld_runtime.wakeup import WakeSignal

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: Settings) -> ServiceSpec:
    async def build(pool: asyncpg.Pool, broker: KafkaBroker) -> Parts:
        timer = OfferTimer(pool, WakeSignal(settings.capacity_db, CHANNEL))
        statistics = StatisticsKeeper(pool, ["capacity_registration", "capacity_session_seat"])
        return Parts(
            pipelines=[Pipeline(pool, topics.CAPACITY_COMMANDS, routes())],
            workers=[timer, statistics],
        )

    return ServiceSpec(
        name="capacity",
        settings=settings,
        dsn=settings.capacity_db,
        migrations=MIGRATIONS,
        build=build,
    )
