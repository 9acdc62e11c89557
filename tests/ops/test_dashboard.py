"""The Grafana dashboard, checked without Grafana: its JSON is well formed, it uses the
provisioned datasource, and every panel's PromQL runs on the real Prometheus after the scenario
and returns data."""

import asyncio
import json
from typing import Any

from ruamel.yaml import YAML

from tests.ops.conftest import Scenario
from tests.ops.prometheus import ROOT, Prometheus

GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARD = json.loads((GRAFANA / "dashboards" / "tilmeld-overview.json").read_text("utf-8"))
# Panels allowed to return no data after the scenario: none now that the services export their
# business metrics. A panel added for a metric that does not exist yet goes here (it must parse
# meanwhile); the test fails once it returns data, so it is taken off again.
AWAITING_BUSINESS_METRICS: set[str] = set()
# What Grafana substitutes before it sends a query: the "All" value of $event, a rate window
# that spans several 1 s scrapes, and a range that covers the scenario.
GRAFANA_VARIABLES = {"$__rate_interval": "30s", "$__range": "10m", "$event": ".*"}


def panels() -> list[dict[str, Any]]:
    return [p for p in DASHBOARD["panels"] if p["type"] != "row"]


def as_sent_by_grafana(expr: str) -> str:
    for variable, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(variable, value)
    assert "$" not in expr, f"unknown variable in {expr}"
    return expr


def test_dashboard_is_provisioned_with_its_datasource() -> None:
    yaml = YAML(typ="safe")
    sources = yaml.load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    providers = yaml.load((GRAFANA / "provisioning" / "dashboards" / "tilmeld.yml").read_text())
    uid = sources["datasources"][0]["uid"]
    assert providers["providers"][0]["type"] == "file"
    ids = [p["id"] for p in DASHBOARD["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels():
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid, panel["title"]
    assert {p["title"] for p in panels()} >= AWAITING_BUSINESS_METRICS


def test_panels_do_not_overlap() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in DASHBOARD["panels"]:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        cells = {
            (x, y)
            for x in range(box["x"], box["x"] + box["w"])
            for y in range(box["y"], box["y"] + box["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


async def _panels_without_data(prometheus: Prometheus) -> tuple[list[str], list[str]]:
    """(panels that should have data but have none, waiting panels that have some)."""
    empty, early = [], []
    for panel in panels():
        results = [
            await prometheus.query(as_sent_by_grafana(target["expr"]))
            for target in panel["targets"]
        ]
        if panel["title"] in AWAITING_BUSINESS_METRICS:
            if any(results):
                early.append(panel["title"])
        elif not all(results):
            empty.append(panel["title"])
    return empty, early


async def test_every_panel_query_runs_and_returns_data(
    prometheus: Prometheus, scenario: Scenario
) -> None:
    # A rate needs two scrapes of a series, and some series appear only with the scenario.
    deadline = asyncio.get_running_loop().time() + 15
    while (found := await _panels_without_data(prometheus))[0]:
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.5)
    empty, early = found
    assert not empty, f"panels without data after the scenario: {empty}"
    assert not early, (
        f"these panels have data now; take them off AWAITING_BUSINESS_METRICS: {early}"
    )
