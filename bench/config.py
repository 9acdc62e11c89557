"""What one benchmark invocation runs, and against which running system."""

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from bench.workload import Shape

ROOT = Path(__file__).resolve().parents[1]
# The processes deploy/local/services.sh starts (registration runs as two).
SERVICES = ("registration", "registration-decisions", "capacity", "notification")


@dataclass(frozen=True, slots=True)
class Config:
    n: int = 20_000
    rate: float = 1000.0  # offered sign-ups per second in the fixed-rate phase
    duration: float = 20.0  # seconds of the fixed-rate phase
    seed: int = 6
    shape: Shape = field(default_factory=Shape)
    # Sign-ups from municipal staff carry a municipality code (98 organisations, max 5 each);
    # the rest come from self-governing and private institutions, matched by name.
    municipal_share: float = 0.3
    skip_baselines: bool = False
    json_out: Path | None = None
    results_dir: Path = ROOT / "bench" / "results"
    bootstrap: str = "127.0.0.1:9092"
    registration_url: str = "http://127.0.0.1:8081"
    bench_dsn: str = "postgresql://bench:bench@127.0.0.1:55432/bench"
    concurrency: int = 50  # the monolith's connection pool and workers
    stall_timeout: float = 60.0  # give up on a phase when no outcome arrived for this long
    # How long to wait for the rush's confirmation mails: they queue behind the mails of
    # earlier outcomes (quota rejections come out first) at the notification's send limit.
    mail_timeout: float = 900.0


class MailSource(Protocol):
    def received(self) -> dict[str, float | None]:
        """Recipient address (lower case) → when its mail arrived (epoch seconds), or None
        when the source does not know (the watcher then uses the time it first saw it)."""
        ...


@dataclass(slots=True)
class Target:
    """The running system: service pids (for RSS and CPU), the broker's (for CPU) and where
    its mail lands."""

    pids: dict[str, int] = field(default_factory=dict)
    kafka_pid: int | None = None
    mail: MailSource | None = None

    def mail_rate_per_second(self) -> str:
        """The notification service's send limit, read from its environment when we can."""
        pid = self.pids.get("notification")
        default = os.environ.get("TILMELD_MAIL_RATE_PER_SECOND", "20")
        if pid is None:
            return default
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        except OSError:
            return default
        for item in environ:
            if item.startswith(b"TILMELD_MAIL_RATE_PER_SECOND="):
                return item.split(b"=", 1)[1].decode()
        return "20"  # the service's default (README)
