"""The registration service's read API (see CONTRACT.md, HTTP, and the README)."""

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response

from registration.adapters import events_store, export_query
from registration.adapters import registrations_store as store
from registration.adapters.availability_query import availability
from registration.domain.signup_rules import KnownEvent

Authorization = Annotated[str | None, Header()]


def read_api(api_token: str) -> APIRouter:
    router = APIRouter(tags=["registration"])

    def authorise(authorization: str | None) -> None:
        expected = f"Bearer {api_token}"
        if authorization is None or not hmac.compare_digest(authorization, expected):
            raise HTTPException(
                401,
                "Adgang nægtet: send 'Authorization: Bearer <token>'",
                headers={"WWW-Authenticate": "Bearer"},
            )

    async def known_event(request: Request, event_id: str) -> KnownEvent:
        event = await events_store.load(request.app.state.pool, event_id)
        if event is None:
            raise HTTPException(404, f"Ukendt arrangement / unknown event: {event_id}")
        return event

    @router.get("/events/{event_id}/availability")
    async def event_availability(event_id: str, request: Request) -> dict[str, Any]:
        found = await availability(request.app.state.pool, event_id)
        if found is None:
            raise HTTPException(404, f"Ukendt arrangement / unknown event: {event_id}")
        return found

    @router.get("/events/{event_id}/registrations.csv")
    async def export_registrations(
        event_id: str, request: Request, authorization: Authorization = None
    ) -> Response:
        """The organiser's list of every registration (CSV, UTF-8), one column per round."""
        authorise(authorization)
        event = await known_event(request, event_id)
        rounds = [r.id for r in event.definition.rounds]
        text = await export_query.registrations_csv(request.app.state.pool, rounds, event_id)
        return Response(
            text,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{event_id}-tilmeldinger.csv"'},
        )

    @router.get("/events/{event_id}/organisations")
    async def export_organisations(
        event_id: str, request: Request, authorization: Authorization = None
    ) -> dict[str, Any]:
        """Participants per organisation, and which are below the minimum or at the maximum."""
        authorise(authorization)
        limits = (await known_event(request, event_id)).definition.per_organisation
        found = await export_query.organisations(
            request.app.state.pool, event_id, limits.min, limits.max
        )
        return {
            "event_id": event_id,
            "minimum": limits.min,
            "maximum": limits.max,
            "organisations": found,
        }

    @router.get("/registrations/{registration_id}")
    async def registration(
        registration_id: str, request: Request, authorization: Authorization = None
    ) -> dict[str, Any]:
        authorise(authorization)
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
