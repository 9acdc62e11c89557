"""The facts' pipeline is paced (gather.Pace): in a rush the seat decisions get the CPU and the
database first; the facts wait on Kafka, never faster than mail can drain them anyway."""

import asyncpg
import pytest
from faststream.kafka import KafkaBroker

from notification.bootstrap import build_spec
from notification.config import Settings
from tilmeld_contracts import topics


@pytest.mark.parametrize(
    ("settings", "limit"),
    [
        (Settings(), 500.0),  # the default mail rate (20/s): at least 500/s
        (Settings(mail_rate_per_second=1_000), 2_000.0),  # twice a fast relay's rate
        (Settings(registrations_intake_per_second=750), 750.0),
        (Settings(registrations_intake_per_second=0), None),  # switched off
    ],
)
def test_the_facts_intake_limit_follows_the_mail_rate_unless_set(
    settings: Settings, limit: float | None
) -> None:
    assert settings.registrations_intake_limit == limit


def test_a_negative_intake_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="registrations_intake_per_second"):
        Settings(registrations_intake_per_second=-1)


async def test_only_the_facts_pipeline_is_paced(db: asyncpg.Pool) -> None:
    settings = Settings(mail_rate_per_second=400)
    parts = await build_spec(settings).build(db, KafkaBroker("127.0.0.1:9092", logger=None))

    paced = {pipeline.topic: pipeline.max_per_second for pipeline in parts.pipelines}

    assert paced == {
        topics.CATALOG: None,
        topics.REGISTRATIONS: 800.0,
        topics.ORGANISER_MESSAGES: None,
    }
