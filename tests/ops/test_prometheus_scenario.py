"""The real Prometheus, scraping the running services with our config and rules, sees exactly
what the scripted scenario did (tests/ops/conftest.py)."""

import httpx

from tests.ops import business
from tests.ops.business import SEATS
from tests.ops.conftest import EXPECTED_DELTAS, JOBS, Scenario
from tests.ops.prometheus import Prometheus


async def test_every_counter_moves_by_exactly_what_the_scenario_did(
    prometheus: Prometheus, scenario: Scenario
) -> None:
    assert scenario.foreign_inputs == 0, "others' inputs reached the services in each attempt"
    expected = {expr: scenario.before[expr] + delta for expr, delta in EXPECTED_DELTAS.items()}
    assert scenario.after == expected


async def test_business_metrics_show_the_scenarios_event(
    prometheus: Prometheus, scenario: Scenario
) -> None:
    event_id = scenario.event_id
    assert scenario.business == business.expected(event_id)
    # Seats available dropped from the capacity (checked before the sign-ups) by exactly the
    # number confirmed.
    confirmed = scenario.business[business.signups(event_id, "confirmed")]
    assert SEATS - (scenario.business[business.seats_available(event_id)] or 0) == confirmed
    # No label holds a registration id or an email address: every series of the sign-up
    # counter names a known event, an outcome and a reason from the contract's lists.
    series = await prometheus.query(f'tilmeld_signup_requests_total{{event="{event_id}"}}')
    assert {frozenset(s["metric"]) for s in series} == {
        frozenset({"__name__", "event", "outcome", "reason", "instance", "job"}),
        frozenset({"__name__", "event", "outcome", "instance", "job"}),  # reason "" = absent
    }


async def test_lag_pool_and_outbox_are_reported_per_service(
    prometheus: Prometheus, scenario: Scenario
) -> None:
    signups_lag = 'tilmeld_consumer_lag{job="registration",topic="tilmeld.signups"}'
    assert await prometheus.value(f"count({signups_lag})") == 6  # one series per partition
    await prometheus.wait_for(f"max({signups_lag})", 0)
    for job in JOBS:
        assert await prometheus.value(f'tilmeld_db_pool_max_connections{{job="{job}"}}') == 10
        open_connections = await prometheus.value(
            f'sum(tilmeld_db_pool_connections{{job="{job}"}})'
        )
        assert open_connections is not None and 1 <= open_connections <= 10
        age = await prometheus.value(f'tilmeld_outbox_oldest_age_seconds{{job="{job}"}}')
        assert age is not None and age < 60


async def test_rules_load_and_the_dead_letter_alert_fires(
    prometheus: Prometheus, scenario: Scenario
) -> None:
    async with httpx.AsyncClient(base_url=prometheus.url) as client:
        groups = (await client.get("/api/v1/rules")).json()["data"]["groups"]
    rules = {rule["name"]: rule["health"] for group in groups for rule in group["rules"]}
    assert len(rules) == 5 and set(rules.values()) == {"ok"}, rules
    firing = (
        'ALERTS{alertname="TilmeldDeadLettersIncreasing",alertstate="firing",'
        'job="registration",topic="tilmeld.signups",reason="not_json"}'
    )
    await prometheus.wait_for(firing, 1)
