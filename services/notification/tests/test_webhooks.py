"""Webhooks against a real local HTTP server that checks every signature: ordered per
registration, a 500 retried with backoff, a 410 disables the subscription, all attempts logged."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest

from notification.adapters import webhook_config, webhooks_table
from notification.adapters.job_signal import JobSignal
from notification.adapters.webhook_http import HttpPoster
from notification.domain.webhooks import WebhookRetry, signature, verify
from notification.service.webhook_sender import CHANNEL, WebhookSender

SECRET = "webhook-secret-0123456789"
CONFIRMED = "dk.tilmeld.registration.confirmed.v1"
CANCELLED = "dk.tilmeld.registration.cancelled.v1"


class Receiver(BaseHTTPRequestHandler):
    """Refuses (401) what is not signed with SECRET; otherwise answers what the test scripted."""

    answers: list[int]
    seen: list[dict[str, Any]]
    clock: Any

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        valid = verify(
            SECRET,
            self.headers.get("Tilmeld-Signature", ""),
            body,
            now=int(self.clock().timestamp()),
        )
        code = (self.answers.pop(0) if self.answers else 200) if valid else 401
        self.seen.append(
            {
                "valid": valid,
                "code": code,
                "event": orjson.loads(body),
                "delivery": self.headers["Tilmeld-Delivery"],
                "type": self.headers["Content-Type"],
            }
        )
        self.send_response(code)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(clock: Any) -> Iterator[tuple[type[Receiver], str]]:
    handler = type("Scripted", (Receiver,), {"answers": [], "seen": [], "clock": clock})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}/hooks/tilmeld"
    finally:
        server.shutdown()
        server.server_close()


async def subscribe(db: asyncpg.Pool, tmp_path: Path, **subscription: Any) -> None:
    file = tmp_path / "webhooks.yaml"
    file.write_text(orjson.dumps({"subscriptions": [subscription]}).decode(), "utf-8")
    async with db.acquire() as conn:
        await webhooks_table.sync(conn, webhook_config.load(file))


@pytest.fixture
def sender(db: asyncpg.Pool, dsn: str, clock: Any) -> WebhookSender:
    return WebhookSender(
        db,
        HttpPoster(5.0),
        JobSignal(dsn, CHANNEL),
        clock=clock,
        retry=WebhookRetry(10, 3600, timedelta(hours=24)),
    )


async def test_signed_in_order_per_registration_and_retried_after_a_500(
    db: asyncpg.Pool,
    feed: Any,
    conference: Any,
    fact: Any,
    clock: Any,
    receiver: Any,
    sender: WebhookSender,
    tmp_path: Path,
) -> None:
    handler, url = receiver
    await subscribe(db, tmp_path, id="crm", url=url, secret=SECRET, types=[CONFIRMED, CANCELLED])
    event = conference()
    await feed.publish(event)  # event.published: not a type this subscription takes
    confirmed = fact("confirmed", event.id)
    await feed.fact("confirmed", confirmed)
    await feed.fact(
        "cancelled", fact("cancelled", event.id, registration_id=confirmed.registration_id)
    )
    handler.answers.append(500)

    assert await sender.deliver_next() is True  # confirmed → 500, back in about 5–10 s
    assert await sender.deliver_next() is False  # cancelled waits behind it
    clock.ahead = timedelta(seconds=11)
    assert await sender.deliver_next() is True and await sender.deliver_next() is True
    assert await sender.deliver_next() is False

    seen = handler.seen
    assert [(s["event"]["type"], s["code"]) for s in seen] == [
        (CONFIRMED, 500),
        (CONFIRMED, 200),
        (CANCELLED, 200),
    ]
    assert all(s["valid"] for s in seen) and seen[0]["delivery"] == seen[1]["delivery"]
    assert seen[0]["type"] == "application/cloudevents+json"
    assert seen[0]["event"]["data"]["registration_id"] == confirmed.registration_id
    log = await db.fetch(
        "SELECT a.status_code FROM webhook_attempts a JOIN webhook_deliveries d"
        " ON d.id = a.delivery_id ORDER BY d.seq, a.attempted_at"
    )
    assert [r["status_code"] for r in log] == [500, 200, 200]
    assert (
        await db.fetchval("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'") == 2
    )
    await sender.stop()


async def test_a_410_disables_the_subscription(
    db: asyncpg.Pool,
    feed: Any,
    conference: Any,
    fact: Any,
    receiver: Any,
    sender: WebhookSender,
    tmp_path: Path,
) -> None:
    handler, url = receiver
    await subscribe(db, tmp_path, id="old-crm", url=url, secret=SECRET)
    event = conference()
    await feed.publish(event)
    await feed.fact("confirmed", fact("confirmed", event.id))
    handler.answers.append(410)

    assert await sender.deliver_next() is True  # event.published → 410 Gone
    assert await sender.deliver_next() is False  # confirmed: cancelled with the subscription
    await feed.fact("waitlisted", fact("waitlisted", event.id))
    statuses = await db.fetch("SELECT ce_type, status FROM webhook_deliveries ORDER BY seq")
    assert [(r["ce_type"], r["status"]) for r in statuses] == [
        ("dk.tilmeld.event.published.v1", "failed"),
        (CONFIRMED, "cancelled"),
    ]
    row = await db.fetchrow("SELECT * FROM webhook_subscriptions WHERE id = 'old-crm'")
    assert row["disabled_at"] is not None and row["disabled_reason"] == "410 Gone"
    await subscribe(db, tmp_path, id="old-crm", url=url, secret=SECRET)  # a restart
    assert await db.fetchval("SELECT disabled_at FROM webhook_subscriptions") is not None
    await subscribe(db, tmp_path, id="old-crm", url=url + "/v2", secret=SECRET)
    assert await db.fetchval("SELECT disabled_at FROM webhook_subscriptions") is None
    await sender.stop()


async def test_only_the_events_and_types_subscribed_to(
    db: asyncpg.Pool,
    feed: Any,
    conference: Any,
    fact: Any,
    receiver: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, url = receiver
    monkeypatch.setenv("CRM_SECRET", SECRET)
    mine, other = conference(), conference()
    await subscribe(
        db,
        tmp_path,
        id="one-event",
        url=url,
        secret_env="CRM_SECRET",
        event_id=mine.id,
        types=[CONFIRMED],
    )
    for event in (mine, other):
        await feed.publish(event)
        await feed.fact("confirmed", fact("confirmed", event.id))
        await feed.fact("waitlisted", fact("waitlisted", event.id))
    rows = await db.fetch("SELECT event_id, ce_type FROM webhook_deliveries")
    assert [(r["event_id"], r["ce_type"]) for r in rows] == [(mine.id, CONFIRMED)]


def test_the_signature_is_over_timestamp_and_body_and_goes_stale() -> None:
    body, now = b'{"id":"1"}', int(datetime(2023, 9, 1, tzinfo=UTC).timestamp())
    header = signature(SECRET, now, body)
    assert header.startswith(f"t={now},v1=") and len(header.split("v1=")[1]) == 64
    assert verify(SECRET, header, body, now + 60)
    assert not verify(SECRET, header, body + b" ", now)
    assert not verify("another-secret-0123456", header, body, now)
    assert not verify(SECRET, header, body, now + 301)
    assert not verify(SECRET, "v1=abc", body, now)


def test_retries_back_off_with_jitter_for_a_day_then_stop() -> None:
    retry, created = WebhookRetry(10, 3600, timedelta(hours=24)), datetime(2023, 9, 1, tzinfo=UTC)
    first = retry.next_attempt(created, 1, created, 0.0)
    assert first == created + timedelta(seconds=5)
    assert retry.next_attempt(created, 6, created, 0.999) is not None
    late = created + timedelta(hours=23, minutes=50)
    assert retry.next_attempt(created, 20, late, 0.0) is None  # 30 min on: past the day
