"""What can be checked here of the deployments Docker and Kubernetes would run (neither runs on
this machine): schemas, and that they agree with the code (settings, ports, topics, commands)."""

import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from pydantic_settings import BaseSettings
from ruamel.yaml import YAML

from capacity.config import Settings as CapacitySettings
from notification.config import Settings as NotificationSettings
from registration.config import Settings as RegistrationSettings
from tests.ops.prometheus import CONFIG, ROOT, binary
from tilmeld_runtime import asyncapi

K8S, COMPOSE = ROOT / "deploy" / "k8s", ROOT / "deploy" / "compose"
KUBERNETES_VERSION = "1.30.0"
SETTINGS: dict[str, type[BaseSettings]] = {
    "registration": RegistrationSettings,
    "capacity": CapacitySettings,
    "notification": NotificationSettings,
}


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in YAML(typ="safe").load_all(path.read_text("utf-8")) if doc]


def variables(service: str) -> set[str]:
    return {f"TILMELD_{name.upper()}" for name in SETTINGS[service].model_fields}


def partitions() -> dict[str, int]:
    lines = (ROOT / "deploy" / "local" / "topics.txt").read_text("utf-8").splitlines()
    rows = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    return {row[0]: int(row[1]) for row in rows}


def k8s_resources() -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (doc["kind"], doc["metadata"]["name"]): doc
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for doc in load_all(path)
    }


def test_kubernetes_manifests_match_the_api_schemas_strictly() -> None:
    for doc in k8s_resources().values():
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
    listed = set(load_all(K8S / "kustomization.yaml")[0]["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


@pytest.mark.parametrize("service", SETTINGS)
def test_deployment_probes_shutdown_replicas_and_settings(service: str) -> None:
    resources = k8s_resources()
    settings = resources["ConfigMap", "tilmeld-settings"]["data"]
    secret = resources["Secret", "tilmeld-secrets"]["stringData"]
    deployment = resources["Deployment", service]["spec"]
    pod = deployment["template"]["spec"]
    (container,) = pod["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert pod["terminationGracePeriodSeconds"] > float(settings["TILMELD_SHUTDOWN_TIMEOUT"])
    smallest_input = min(partitions()[topic] for topic in asyncapi.READS[service])
    assert 1 <= deployment["replicas"] <= smallest_input
    port = SETTINGS[service].model_fields["http_port"].default
    assert container["ports"][0]["containerPort"] == port
    assert resources["Service", service]["spec"]["ports"][0]["port"] == port
    for env in container["env"]:
        assert env["name"] in variables(service), f"{service} has no setting {env['name']}"
        if "valueFrom" in env:
            assert env["valueFrom"]["secretKeyRef"]["key"] in secret
    assert f"TILMELD_{service.upper()}_DB" in {e["name"] for e in container["env"]}


def test_every_shared_setting_is_read_by_some_service() -> None:
    resources = k8s_resources()
    known = set().union(*(variables(s) for s in SETTINGS))
    for kind, name in (("ConfigMap", "tilmeld-settings"), ("Secret", "tilmeld-secrets")):
        data = resources[kind, name].get("data") or resources[kind, name]["stringData"]
        assert set(data) <= known, f"{name}: {set(data) - known}"


def test_compose_file_matches_the_compose_specification() -> None:
    checked = subprocess.run(
        [
            str(ROOT / ".venv" / "bin" / "check-jsonschema"),
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE / "compose.yaml"),
        ],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    compose = load_all(COMPOSE / "compose.yaml")[0]["services"]
    for service in SETTINGS:
        assert set(compose[service]["environment"]) <= variables(service), service
        assert compose[service]["build"]["dockerfile"] == f"services/{service}/Dockerfile"
    assert {"kafka", "postgres", "mail-sink", "prometheus", "grafana"} <= set(compose)
    assert compose["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_compose_prometheus_scrapes_the_same_jobs() -> None:
    checked = subprocess.run(
        [binary("promtool"), "check", "config", "--syntax-only", str(COMPOSE / "prometheus.yml")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr

    def jobs(path: Path) -> list[str]:
        return [job["job_name"] for job in load_all(path)[0]["scrape_configs"]]

    assert jobs(COMPOSE / "prometheus.yml") == jobs(CONFIG) == list(SETTINGS)


@pytest.mark.parametrize("service", SETTINGS)
def test_dockerfile_installs_and_starts_as_make_run_does(service: str) -> None:
    dockerfile = (ROOT / "services" / service / "Dockerfile").read_text("utf-8")
    makefile = (ROOT / "Makefile").read_text("utf-8")
    launcher = (ROOT / "deploy" / "local" / "services.sh").read_text("utf-8")
    uv_version = re.search(r"^UV_VERSION := (\S+)", makefile, re.M)
    assert uv_version and f"uv=={uv_version[1]}" in dockerfile
    assert "uv sync --all-packages --frozen" in makefile.replace("$(UV)", "uv")
    assert "RUN uv sync --all-packages --frozen --no-dev" in dockerfile
    assert '"$ROOT/.venv/bin/tilmeld-${PROGRAM[$name]}"' in launcher
    assert f"[{service}]={service}" in launcher
    assert f'CMD ["/app/.venv/bin/tilmeld-{service}"]' in dockerfile
    assert (ROOT / ".venv" / "bin" / f"tilmeld-{service}").exists()
    assert f"EXPOSE {SETTINGS[service].model_fields['http_port'].default}" in dockerfile


def test_the_dockerfiles_install_resolves_from_the_lock() -> None:
    planned = subprocess.run(
        [
            str(ROOT / ".tools" / "bin" / "uv"),
            "sync",
            "--all-packages",
            "--frozen",
            "--no-dev",
            "--dry-run",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert planned.returncode == 0, planned.stderr
