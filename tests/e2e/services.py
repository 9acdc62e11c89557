"""The three services as real processes, as `make run` starts them."""

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"registration": 8081, "capacity": 8082, "notification": 8083}


class ServiceProcess:
    def __init__(self, name: str, env: dict[str, str], port: int | None = None) -> None:
        self.name, self.env = name, env
        self.port = port or PORTS[name]
        self.log_path = ROOT / ".run" / "logs" / f"test-{name}-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / f"tilmeld-{self.name}")],
            env={**os.environ, **self.env, "TILMELD_HTTP_PORT": str(self.port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log_path}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout}s: see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()

    def kill(self) -> None:
        """No graceful shutdown: what a crash or OOM kill looks like."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.start()
        self.wait_ready()
