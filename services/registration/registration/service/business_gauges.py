"""Seats available, waiting lists and outstanding offers per live event, as Prometheus gauges.

A background worker, so a scrape never waits for the database: about once a second it
refreshes the events whose figures an outcome changed since (business_metrics.EVENTS.touched),
each at most once per `per_event_seconds` (RefreshPacing), and every `full_seconds` all live
events, which also drops the series of events that were cancelled or are over. Unlimited
capacities have no seats-available series."""

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Collection
from datetime import UTC, datetime

import asyncpg
from prometheus_client import Gauge

from registration.adapters import figures_query
from registration.adapters.figures_query import EventFigures
from registration.service.business_metrics import EVENTS, start_at_zero
from tilmeld_runtime.background import BackgroundLoop

log = logging.getLogger(__name__)

EVENT_SEATS = Gauge(
    "tilmeld_event_seats_available",
    "Seats left in a live event (capacity - confirmed - offered); none for unlimited events",
    ["event"],
)
SESSION_SEATS = Gauge(
    "tilmeld_session_seats_available",
    "Seats left in a session of a live event; none for sessions without a capacity",
    ["event", "round", "session"],
)
WAITLIST = Gauge("tilmeld_waitlist_length", "Registrations waiting for a seat", ["event"])
SESSION_WAITLIST = Gauge(
    "tilmeld_session_waitlist_length",
    "Confirmed attendees waiting for a seat in this session (holding a lower choice)",
    ["event", "round", "session"],
)
OFFERS = Gauge("tilmeld_offers_outstanding", "Seat offers not yet answered or expired", ["event"])
REFRESH_ERRORS = Gauge(
    "tilmeld_business_gauges_failing", "1 while the business gauges cannot be refreshed"
)


class BusinessGauges(BackgroundLoop):
    task_name = "business-gauges"

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        touched_seconds: float = 1.0,
        per_event_seconds: float = 5.0,
        full_seconds: float = 30.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__()
        self._pool, self._clock = pool, clock
        self._touched_seconds, self._full_seconds = touched_seconds, full_seconds
        self._pacing = RefreshPacing(per_event_seconds)
        self._shown: dict[str, set[tuple[str, str]]] = {}  # event → its session series
        self._full_at = 0.0

    async def start(self) -> None:
        """First refresh before the consumers start, so labels name known events at once."""
        try:
            await self.refresh_all()
        except Exception:  # the loop tries again; the service must start regardless
            log.warning("business gauges not refreshed", exc_info=True)
        await super().start()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._touched_seconds)
            touched, later = self._pacing.due(EVENTS.take_touched(), time.monotonic())
            EVENTS.touched |= later
            try:
                if time.monotonic() - self._full_at >= self._full_seconds:
                    await self.refresh_all()
                elif touched:
                    await self.refresh(touched)
                REFRESH_ERRORS.set(0)
            except Exception:  # the database may be away; the next round tries again
                EVENTS.touched |= touched
                REFRESH_ERRORS.set(1)
                log.warning("business gauges not refreshed", exc_info=True)

    async def refresh_all(self) -> None:
        EVENTS.known |= await figures_query.all_event_ids(self._pool)
        live = await figures_query.live_events(self._pool, self._clock())
        self._show(live, gone=set(self._shown) - set(live))
        self._full_at = time.monotonic()
        self._pacing.refreshed(live, self._full_at)

    async def refresh(self, event_ids: Collection[str]) -> None:
        live = await figures_query.live_events(self._pool, self._clock(), event_ids)
        self._show(live, gone=set(event_ids) - set(live))
        self._pacing.refreshed(live, time.monotonic())  # the gone ones `_show` forgot stay so

    def _show(self, live: dict[str, EventFigures], gone: set[str]) -> None:
        for event_id in gone:
            self._forget(event_id, self._shown.pop(event_id, set()))
        self._pacing.forget(gone)
        for event_id, figures in live.items():
            if event_id not in self._shown:  # first seen (e.g. after a restart)
                start_at_zero(event_id)
            sessions = {key for key, s in figures.sessions.items() if s.capacity is not None}
            self._forget(event_id, self._shown.get(event_id, set()) - sessions, whole=False)
            self._shown[event_id] = sessions
            if figures.seats_available is None:
                _remove(EVENT_SEATS, event_id)
            else:
                EVENT_SEATS.labels(event_id).set(figures.seats_available)
            WAITLIST.labels(event_id).set(figures.waitlisted)
            OFFERS.labels(event_id).set(figures.offered)
            for round_id, session_id in sessions:
                session = figures.sessions[(round_id, session_id)]
                assert session.capacity is not None
                left = max(0, session.capacity - session.seated)
                SESSION_SEATS.labels(event_id, round_id, session_id).set(left)
                SESSION_WAITLIST.labels(event_id, round_id, session_id).set(session.waiting)

    def _forget(self, event_id: str, sessions: set[tuple[str, str]], whole: bool = True) -> None:
        if whole:
            for gauge in (EVENT_SEATS, WAITLIST, OFFERS):
                _remove(gauge, event_id)
        for round_id, session_id in sessions:
            _remove(SESSION_SEATS, event_id, round_id, session_id)
            _remove(SESSION_WAITLIST, event_id, round_id, session_id)


class RefreshPacing:
    """Which touched events to refresh now. Counting an event's figures reads all its
    registrations (tens of milliseconds of the database's time for the ~20,000 of a rush),
    so an event that changes all the time is refreshed once per `per_event_seconds` (Prometheus
    scrapes every 5 s), not every second; one that changes now and then shows it within about a
    second."""

    def __init__(self, per_event_seconds: float) -> None:
        self._per_event_seconds = per_event_seconds
        self._refreshed_at: dict[str, float] = {}

    def due(self, touched: set[str], now: float) -> tuple[set[str], set[str]]:
        """(to refresh now, to keep for a later round)."""
        ready = {
            event_id
            for event_id in touched
            if now - self._refreshed_at.get(event_id, -math.inf) >= self._per_event_seconds
        }
        return ready, touched - ready

    def refreshed(self, event_ids: Collection[str], now: float) -> None:
        for event_id in event_ids:
            self._refreshed_at[event_id] = now

    def forget(self, event_ids: Collection[str]) -> None:
        for event_id in event_ids:
            self._refreshed_at.pop(event_id, None)


def _remove(gauge: Gauge, *labels: str) -> None:
    with contextlib.suppress(KeyError):
        gauge.remove(*labels)
