"""The business gauges run where the figures change: in the process that takes in the capacity
service's decisions, or in the one process that takes in everything."""

from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from registration.bootstrap import spec
from registration.config import Settings
from registration.service.business_gauges import BusinessGauges
from tilmeld_contracts import topics


async def _runs_gauges(input_topics: str) -> bool:
    settings = Settings(input_topics=input_topics)
    # Building wires objects only: nothing connects to the database or the broker.
    pool: Any = object()
    parts = await spec(settings).build(pool, KafkaBroker("127.0.0.1:9", logger=None))
    return any(isinstance(worker, BusinessGauges) for worker in parts.workers)


@pytest.mark.parametrize(
    ("input_topics", "expected"),
    [
        ("", True),
        (f"{topics.CATALOG},{topics.SIGNUPS}", False),
        (topics.CAPACITY_DECISIONS, True),
        (f"{topics.SIGNUPS},{topics.CAPACITY_DECISIONS}", True),
    ],
)
async def test_the_gauges_run_in_the_process_that_takes_in_the_decisions(
    input_topics: str, expected: bool
) -> None:
    assert await _runs_gauges(input_topics) is expected
