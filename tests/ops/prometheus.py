"""A real Prometheus (Debian's package, installed by deploy/local/prometheus.sh) for the tests:
our committed config and rules, a one-second scrape interval, its own port and data directory,
so it never meets the one `make run` starts on :9090."""

import asyncio
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import httpx
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
INSTALL = "bash deploy/local/prometheus.sh install"


def binary(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: run `{INSTALL}` (make test does)"
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Prometheus:
    def __init__(self, workdir: Path, running: frozenset[str]) -> None:
        """`running`: the host:port of the processes the tests started; the committed config's
        other targets (the local launcher's second registration process) are left out."""
        self.workdir, self.port, self.running = workdir, _free_port(), running
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        yaml = YAML()
        config: Any = yaml.load(CONFIG.read_text("utf-8"))
        config["global"]["scrape_interval"] = "1s"
        config["global"]["evaluation_interval"] = "1s"
        config["rule_files"] = [str(CONFIG.parent / pattern) for pattern in config["rule_files"]]
        for job in config["scrape_configs"]:
            for static in job["static_configs"]:
                static["targets"] = [t for t in static["targets"] if t in self.running]
        path = self.workdir / "prometheus.yml"
        with path.open("w") as file:
            yaml.dump(config, file)
        log = (self.workdir / "prometheus.log").open("ab")
        self.process = subprocess.Popen(
            [
                binary("prometheus"),
                f"--config.file={path}",
                f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"prometheus exited: {self.workdir}/prometheus.log"
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("prometheus not ready after 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(20)

    async def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant query; the HTTP API's result vector. A query that does not parse fails."""
        async with httpx.AsyncClient(base_url=self.url, timeout=10) as client:
            response = await client.get("/api/v1/query", params={"query": expr})
        body = response.json()
        assert body["status"] == "success", f"{expr}: {body.get('error')}"
        return list(body["data"]["result"])

    async def value(self, expr: str) -> float | None:
        """The single value of an instant query, None when it has no result."""
        result = await self.query(expr)
        assert len(result) <= 1, f"{expr} has {len(result)} series"
        return float(result[0]["value"][1]) if result else None

    async def wait_for(self, expr: str, expected: float, timeout: float = 30.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while (seen := await self.value(expr)) != expected:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{expr} = {seen}, expected {expected} (waited {timeout}s)")
            await asyncio.sleep(0.25)
