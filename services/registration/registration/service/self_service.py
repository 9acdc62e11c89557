"""The self-service pages' handlers: verify the signed link, load the registration it names,
let the domain decide, and on a confirmed form publish the input through the outbox."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from prometheus_client import Counter

from registration.adapters import events_store, self_service_requests
from registration.adapters import registrations_store as store
from registration.domain.page_texts import ErrorKind
from registration.domain.page_view import PageView, language_of, page_view
from registration.domain.self_service import (
    Choice,
    FormKind,
    RegistrationState,
    SignupsInput,
    choose,
    decide_request,
)
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_runtime import links

PAGES = Counter(
    "tilmeld_self_service_pages_total",
    "Self-service page requests, by method and outcome",
    ["method", "outcome"],
)


@dataclass(frozen=True)
class Shown:
    view: PageView
    status_code: int = 200


@dataclass(frozen=True)
class Received:
    """A confirmed form: its input is queued (or was, by an earlier click of the same form)."""

    view: PageView
    form: FormKind
    view_token: str
    first: bool


@dataclass(frozen=True)
class Failed:
    kind: ErrorKind


@dataclass(frozen=True)
class _Loaded:
    claims: links.LinkClaims
    registration: store.Registration
    state: RegistrationState
    definition: EventDefinition

    def view(self, choice: Choice) -> PageView:
        attendee = self.registration.attendee
        language = language_of(attendee.language, self.definition)
        return page_view(self.definition, self.state, attendee.name, language, choice)


def _state(registration: store.Registration) -> RegistrationState:
    return RegistrationState(
        registration_id=registration.id,
        event_id=registration.event_id,
        status=registration.status,
        position=registration.position,
        offer_expires_at=registration.offer_expires_at,
        reason=registration.reason,
        sessions=registration.sessions,
        session_waitlists=registration.session_waitlists,
    )


class SelfService:
    def __init__(self, pool: asyncpg.Pool, link_secret: str) -> None:
        self._pool, self._secret = pool, link_secret

    async def show(self, token: str, now: datetime) -> Shown | Failed:
        loaded = await self._load(self._pool, token, now)
        if isinstance(loaded, Failed):
            PAGES.labels("GET", loaded.kind).inc()
            return loaded
        PAGES.labels("GET", loaded.claims.action).inc()
        return Shown(loaded.view(choose(loaded.claims.action, loaded.state, now)))

    async def confirm(self, token: str, now: datetime) -> Shown | Received | Failed:
        async with self._pool.acquire() as conn, conn.transaction():
            loaded = await self._load(conn, token, now)
            if isinstance(loaded, Failed):
                PAGES.labels("POST", loaded.kind).inc()
                return loaded
            decided = decide_request(loaded.claims.action, token, loaded.state, now)
            if decided == "view_only":
                PAGES.labels("POST", "view_only").inc()
                return Failed("view_only")
            if not isinstance(decided, SignupsInput):
                PAGES.labels("POST", decided).inc()
                return Shown(loaded.view(Choice(None, decided)), status_code=409)
            first = await self_service_requests.publish(conn, decided, now)
        PAGES.labels("POST", "published" if first else "duplicate").inc()
        claims = loaded.claims
        view_token = links.sign(
            self._secret,
            links.LinkClaims("view", claims.registration_id, claims.event_id, claims.expires_at),
        )
        return Received(loaded.view(Choice(None)), decided.form, view_token, first)

    async def _load(
        self, conn: asyncpg.Connection | asyncpg.Pool, token: str, now: datetime
    ) -> _Loaded | Failed:
        try:
            claims = links.verify(self._secret, token, now)
        except links.InvalidLink as invalid:
            return Failed(invalid.reason)
        registration = await store.get(conn, claims.registration_id)
        # Signed for this registration *in this event*: anything else names no registration.
        if registration is None or registration.event_id != claims.event_id:
            return Failed("unknown")
        event = await events_store.load(conn, registration.event_id)
        if event is None:
            return Failed("unknown")
        return _Loaded(claims, registration, _state(registration), event.definition)
