"""The operators' read-only views: fan-out progress, webhook subscriptions and deliveries."""

from pathlib import Path
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from notification.adapters import webhook_config, webhooks_table
from notification.entrypoints.http import router


async def test_fanouts_and_webhooks_are_visible_without_secrets(
    db: asyncpg.Pool, feed: Any, conference: Any, fact: Any, tmp_path: Path
) -> None:
    file = tmp_path / "webhooks.yaml"
    file.write_text(
        "subscriptions:\n  - id: crm\n    url: http://127.0.0.1:9/hook\n"
        "    secret: a-secret-of-sixteen-or-more\n",
        "utf-8",
    )
    async with db.acquire() as conn:
        await webhooks_table.sync(conn, webhook_config.load(file))
    event = conference()
    await feed.publish(event)
    await feed.fact("confirmed", fact("confirmed", event.id))
    await feed.message(event.id, "Hej")
    app = FastAPI()
    app.include_router(router)
    app.state.pool = db

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://notification"
    ) as client:
        fanouts = (await client.get("/fanouts", params={"event_id": event.id})).json()
        subscriptions = (await client.get("/webhooks/subscriptions")).json()
        deliveries = (
            await client.get("/webhooks/deliveries", params={"subscription_id": "crm"})
        ).json()
    assert [(f["kind"], f["recipients"], f["pending"]) for f in fanouts] == [("message", 1, 1)]
    assert [(s["id"], s["disabled_at"]) for s in subscriptions] == [("crm", None)]
    assert "secret" not in subscriptions[0]
    assert [d["ce_type"] for d in deliveries] == [
        "dk.tilmeld.registration.confirmed.v1",
        "dk.tilmeld.event.published.v1",
    ]
    assert all("body" not in d for d in deliveries)
