"""Read-only HTTP views for operators: how fan-outs progress, webhook subscriptions and their
delivery log (secrets and bodies are never shown)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from notification.adapters import fanouts_table, webhooks_table

router = APIRouter(tags=["notification"])


@router.get("/fanouts")
async def fanouts(
    request: Request,
    event_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """Organiser changes, broadcasts and reminder rounds: recipients, sent, failed, pending."""
    async with request.app.state.pool.acquire() as conn:
        return await fanouts_table.progress(conn, event_id, limit)


@router.get("/webhooks/subscriptions")
async def subscriptions(request: Request) -> list[dict[str, Any]]:
    async with request.app.state.pool.acquire() as conn:
        return await webhooks_table.subscriptions(conn)


@router.get("/webhooks/deliveries")
async def deliveries(
    request: Request,
    subscription_id: str | None = None,
    status: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    async with request.app.state.pool.acquire() as conn:
        return await webhooks_table.deliveries(conn, subscription_id, status, limit)
