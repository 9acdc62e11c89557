"""Every service's /metrics passes `promtool check metrics` (format and naming lint)."""

import subprocess
import urllib.request

import pytest

from tests.e2e.services import ServiceProcess
from tests.ops.conftest import JOBS
from tests.ops.prometheus import binary


@pytest.mark.parametrize("name", JOBS)
def test_metrics_pass_promtool(services: dict[str, ServiceProcess], name: str) -> None:
    with urllib.request.urlopen(f"http://127.0.0.1:{services[name].port}/metrics") as response:
        exposition = response.read()
    assert b"tilmeld_consumer_lag" in exposition and b"tilmeld_db_pool_connections" in exposition
    checked = subprocess.run(
        [binary("promtool"), "check", "metrics"], input=exposition, capture_output=True
    )
    assert checked.returncode == 0, (checked.stdout + checked.stderr).decode()
