"""The AsyncAPI documents in docs/asyncapi/: current, valid for the official parser, true to the
services' real subscriptions, faithful to the contracts' schemas, and served by each service."""

import json
import subprocess
import urllib.request
from typing import Any

import pytest

from tests.e2e.services import ServiceProcess
from tests.ops.prometheus import ROOT
from tilmeld_contracts import topics
from tilmeld_contracts.registry import DATA_MODELS
from tilmeld_runtime import asyncapi

VALIDATOR = ROOT / "tools" / "asyncapi-validate"
SERVICES = tuple(asyncapi.READS)


def committed(service: str) -> str:
    return (asyncapi.DOCS_DIR / f"{service}.json").read_text("utf-8")


@pytest.mark.parametrize("service", SERVICES)
def test_committed_document_is_current(service: str) -> None:
    assert committed(service) == asyncapi.rendered(service), (
        "docs/asyncapi is stale: run .venv/bin/python -m tilmeld_runtime.asyncapi"
    )


def test_official_parser_accepts_every_document() -> None:
    subprocess.run(["bash", str(VALIDATOR / "install.sh")], check=True)
    paths = [str(asyncapi.DOCS_DIR / f"{s}.json") for s in SERVICES]
    done = subprocess.run(
        ["node", str(VALIDATOR / "validate.mjs"), *paths], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("valid AsyncAPI 3.0.0") == len(SERVICES), done.stdout


def test_every_public_topic_is_documented() -> None:
    addresses = {
        channel["address"]
        for service in SERVICES
        for channel in json.loads(committed(service))["channels"].values()
    }
    assert set(topics.PUBLIC_TOPICS) <= addresses


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(definitions[node["$ref"].rsplit("/", 1)[-1]], definitions)
        return {key: _inline(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(value, definitions) for value in node]
    return node


@pytest.mark.parametrize("service", SERVICES)
def test_every_payload_schema_is_the_contracts_own(service: str) -> None:
    """Shared component names (e.g. `Attendee`) must not let one schema overwrite another."""
    components = json.loads(committed(service))["components"]["schemas"]
    documented = [t for t in DATA_MODELS if asyncapi.envelope(t).__name__ in components]
    assert documented
    for event_type in documented:
        model = asyncapi.envelope(event_type)
        own = model.model_json_schema()
        expected = _inline({k: v for k, v in own.items() if k != "$defs"}, own.get("$defs", {}))
        assert _inline(components[model.__name__], components) == expected, event_type


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_serves_its_real_subscriptions_as_committed(
    services: dict[str, ServiceProcess], service: str
) -> None:
    """The served document is built from the running pipelines' routes, the committed one from
    `asyncapi_channels.READS`: equal means the declaration is true and every routed type is
    documented."""
    base = f"http://127.0.0.1:{services[service].port}"
    with urllib.request.urlopen(f"{base}/asyncapi.json") as response:
        assert response.read().decode() == committed(service), (
            f"{service} subscribes to other topics or types than asyncapi_channels.READS says"
        )
    with urllib.request.urlopen(f"{base}/asyncapi") as response:
        page = response.read().decode()
    assert "AsyncApiStandalone.render" in page
    assert "TryItPlugin" not in page and "asyncapi-try-it-plugin" not in page
