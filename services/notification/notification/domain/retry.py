"""When a mail that could not be sent for a passing reason is tried again."""

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 30

    def gives_up_after(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def delay(self, attempts: int, jitter: float) -> float:
        """Seconds before the next pick. `jitter` in [0, 1) spreads jobs that failed together
        (a relay outage) so they do not all come back in the same second."""
        exponential = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        return exponential * (0.5 + jitter / 2)
