"""Webhook deliveries: the signature receivers check, what an answer means, when to retry.

Signature header: `Tilmeld-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over the bytes
`f"{t}."` followed by the exact request body, keyed with the subscription's secret. The
timestamp is the attempt's, so a receiver can refuse replays older than a few minutes."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

SIGNATURE_HEADER = "Tilmeld-Signature"
Answer = Literal["delivered", "gone", "retry"]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does; here for our tests and as the reference for theirs."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(fields.get("v1", ""), _mac(secret, timestamp, body))


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def answer(status_code: int | None) -> Answer:
    """2xx: done. 410 Gone: the receiver wants no more (the subscription is disabled). Anything
    else, including no answer at all, may pass: try again later."""
    if status_code is not None and 200 <= status_code < 300:
        return "delivered"
    if status_code == 410:
        return "gone"
    return "retry"


@dataclass(frozen=True)
class WebhookRetry:
    base_seconds: float = 10.0
    cap_seconds: float = 3600.0
    window: timedelta = timedelta(hours=24)

    def next_attempt(
        self, created_at: datetime, attempts: int, now: datetime, jitter: float
    ) -> datetime | None:
        """When to try again after `attempts` failures; None once that would be more than
        `window` after the delivery was created (it is then given up). `jitter` in [0, 1)."""
        exponential = min(self.cap_seconds, self.base_seconds * 2.0 ** max(0, attempts - 1))
        at = now + timedelta(seconds=exponential * (0.5 + jitter / 2))
        return at if at <= created_at + self.window else None
