"""The self-service pages the links in Tilmeld's mails open (`/selvbetjening/{token}`): plain
HTML, no JavaScript. GET shows the registration (with a confirm form when the link may change
it); POST confirms. Whatever goes wrong, the attendee sees a page in Danish, never a trace."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from registration.adapters.page_rendering import PageRenderer
from registration.domain.page_texts import ERRORS
from registration.service.self_service import Failed, Received, SelfService, Shown
from tilmeld_runtime import links

log = logging.getLogger(__name__)

# The token in the address is the key to the registration: keep it out of caches, Referer
# headers and search engines. Pages need inline CSS and a form posting to themselves, no more.
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
}
_UNAVAILABLE = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)

Outcome = Shown | Received | Failed


def _now() -> datetime:
    return datetime.now(UTC)


def self_service_pages(link_secret: str, clock: Callable[[], datetime] = _now) -> APIRouter:
    router = APIRouter(tags=["selvbetjening"], include_in_schema=False)
    renderer = PageRenderer()

    def render(outcome: Outcome, token: str) -> HTMLResponse:
        if isinstance(outcome, Failed):
            error = ERRORS[outcome.kind]
            html = renderer.render("fejl.html", error=error)
            return HTMLResponse(html, error.status_code, headers=_HEADERS)
        if isinstance(outcome, Received):
            html = renderer.render(
                "kvittering.html",
                view=outcome.view,
                form=outcome.form,
                view_url=links.url("", outcome.view_token),
            )
            return HTMLResponse(html, 200, headers=_HEADERS)
        # The form posts back to the very link it came from.
        post_url = links.url("", token)
        html = renderer.render("tilmelding.html", view=outcome.view, post_url=post_url)
        return HTMLResponse(html, outcome.status_code, headers=_HEADERS)

    async def answer(
        request: Request, token: str, handle: Callable[[SelfService], Awaitable[Outcome]]
    ) -> HTMLResponse:
        try:
            outcome = await handle(SelfService(request.app.state.pool, link_secret))
            return render(outcome, token)
        except _UNAVAILABLE:
            log.warning("self-service page unavailable", exc_info=True)
            error = ERRORS["unavailable"]
            return HTMLResponse(renderer.render("fejl.html", error=error), 503, headers=_HEADERS)
        except Exception:
            log.exception("self-service page failed")
            error = ERRORS["unavailable"]
            return HTMLResponse(renderer.render("fejl.html", error=error), 500, headers=_HEADERS)

    # `:path` so that even a mangled token with a slash in it gets the Danish error page.
    @router.get("/selvbetjening/{token:path}", response_class=HTMLResponse)
    async def show(token: str, request: Request) -> HTMLResponse:
        return await answer(request, token, lambda service: service.show(token, clock()))

    @router.post("/selvbetjening/{token:path}", response_class=HTMLResponse)
    async def confirm(token: str, request: Request) -> HTMLResponse:
        return await answer(request, token, lambda service: service.confirm(token, clock()))

    return router
