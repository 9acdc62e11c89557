"""The registration service's read API (see CONTRACT.md, HTTP)."""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request

from registration.adapters import registrations_store as store
from registration.adapters.availability_query import availability


def read_api(api_token: str) -> APIRouter:
    router = APIRouter(tags=["registration"])

    @router.get("/events/{event_id}/availability")
    async def event_availability(event_id: str, request: Request) -> dict[str, Any]:
        found = await availability(request.app.state.pool, event_id)
        if found is None:
            raise HTTPException(404, f"Ukendt arrangement / unknown event: {event_id}")
        return found

    @router.get("/registrations/{registration_id}")
    async def registration(
        registration_id: str,
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        expected = f"Bearer {api_token}"
        if authorization is None or not hmac.compare_digest(authorization, expected):
            raise HTTPException(
                401,
                "Adgang nægtet: send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )
        found = await store.get(request.app.state.pool, registration_id)
        if found is None:
            raise HTTPException(404, f"Ukendt tilmelding / unknown registration: {registration_id}")
        return {
            "registration_id": found.id,
            "event_id": found.event_id,
            "status": found.status,
            "sessions": found.sessions,
            "session_waitlists": found.session_waitlists,
            "position": found.position,
            "offer_expires_at": found.offer_expires_at,
            "reason": found.reason,
            "attendee": found.attendee.model_dump(mode="json"),
        }

    return router
