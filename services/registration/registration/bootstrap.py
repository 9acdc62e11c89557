"""Wires the registration service: three inputs, one store, the HTTP read API."""

from pathlib import Path

import asyncpg
from faststream.kafka import KafkaBroker

from registration.adapters.catalog_sync import CatalogSync
from registration.config import Settings
from registration.entrypoints.http import read_api
from registration.entrypoints.pages import self_service_pages
from registration.service import batch_state
from registration.service import catalog_handlers as catalog
from registration.service import decision_handlers as decided
from registration.service.business_gauges import BusinessGauges
from registration.service.signup_handlers import SignupHandlers
from tilmeld_contracts import topics
from tilmeld_contracts.catalog import v1 as catalog_v1
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.signups import v1 as signups
from tilmeld_runtime.host import Parts, ServiceSpec, Worker
from tilmeld_runtime.pipeline import Pipeline, Route
from tilmeld_runtime.statistics import StatisticsKeeper

NAME = "registration"


def shows_business_gauges(input_topics: frozenset[str]) -> bool:
    """The gauges are refreshed where the figures change: in the process that takes in the
    capacity service's decisions (every process, when the inputs are not split). Elsewhere they
    would only be counted again every 30 s, stale in between and shown twice; counting a large
    event's registrations is the gauges' main cost (bench/RESULTS.md, twenty-first round)."""
    return not input_topics or topics.CAPACITY_DECISIONS in input_topics


def spec(settings: Settings) -> ServiceSpec:
    async def build(pool: asyncpg.Pool, broker: KafkaBroker) -> Parts:
        sync = CatalogSync(
            settings.kafka_bootstrap,
            f"tilmeld-{NAME}.{topics.CATALOG}",
            timeout=settings.catalog_wait_seconds,
        )
        signup = SignupHandlers(sync.wait_until_current)
        pipelines = [
            Pipeline(
                pool,
                topics.CATALOG,
                {
                    catalog_v1.EVENT_PUBLISHED: Route(
                        catalog_v1.EventDefinition, catalog.on_event_defined
                    ),
                    catalog_v1.EVENT_CHANGED: Route(
                        catalog_v1.EventDefinition, catalog.on_event_defined
                    ),
                    catalog_v1.EVENT_CANCELLED: Route(
                        catalog_v1.EventCancelled, catalog.on_event_cancelled
                    ),
                },
            ),
            Pipeline(
                pool,
                topics.SIGNUPS,
                {
                    signups.SIGNUP_REQUESTED: Route(
                        signups.SignupRequested, signup.on_signup, signup.on_invalid_signup
                    ),
                    signups.CANCELLATION_REQUESTED: Route(
                        signups.CancellationRequested,
                        signup.on_cancellation,
                        signup.on_invalid_signup,
                    ),
                    signups.OFFER_ACCEPTED: Route(
                        signups.OfferAnswer, signup.on_offer_answer, signup.on_invalid_signup
                    ),
                    signups.OFFER_DECLINED: Route(
                        signups.OfferAnswer, signup.on_offer_answer, signup.on_invalid_signup
                    ),
                },
                prepare=batch_state.prepare_signups,
            ),
            Pipeline(
                pool,
                topics.CAPACITY_DECISIONS,
                {
                    capacity.SEAT_GRANTED: Route(capacity.SeatGranted, decided.on_seat_granted),
                    capacity.SEAT_WAITLISTED: Route(
                        capacity.SeatWaitlisted, decided.on_seat_waitlisted
                    ),
                    capacity.SEAT_OFFERED: Route(capacity.SeatOffered, decided.on_seat_offered),
                    capacity.SEAT_RELEASED: Route(capacity.SeatReleased, decided.on_seat_released),
                    capacity.SESSIONS_CHANGED: Route(
                        capacity.SessionsChanged, decided.on_sessions_changed
                    ),
                    capacity.SEAT_REFUSED: Route(capacity.SeatRefused, decided.on_seat_refused),
                },
                prepare=batch_state.prepare_decisions,
            ),
        ]
        statistics = StatisticsKeeper(pool, ["registrations"])
        workers: list[Worker] = [sync, statistics]
        if shows_business_gauges(settings.input_topics):
            workers.insert(1, BusinessGauges(pool))
        return Parts(pipelines=pipelines, workers=workers)

    return ServiceSpec(
        name=NAME,
        settings=settings,
        dsn=settings.registration_db,
        migrations=Path(__file__).parent / "migrations",
        build=build,
        routers=[read_api(settings.api_token), self_service_pages(settings.link_secret)],
    )
