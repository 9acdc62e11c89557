"""The life of one service process: pool and migrations, Kafka subscribers (one consumer group
per input topic), the outbox relay, background workers and the HTTP endpoints every service has
(`/healthz`, `/readyz`, `/metrics`). Nothing connects at import time; all starts in `lifespan`."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import uvicorn
from fastapi import APIRouter, FastAPI, Response
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.message import StreamMessage
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from tilmeld_contracts import topics
from tilmeld_runtime import (
    asyncapi,
    bundling,
    gather,
    gc_tuning,
    logs,
    metrics,
    record_batches,
    tracing,
)
from tilmeld_runtime.db import create_pool, migrate
from tilmeld_runtime.fetch_hold import FetchHold
from tilmeld_runtime.kafka_parser import parse_any_headers
from tilmeld_runtime.lag import ConsumerLagMonitor
from tilmeld_runtime.pipeline import Pipeline, configure_claim_last
from tilmeld_runtime.relay import OutboxRelay
from tilmeld_runtime.retention import InboxRetention
from tilmeld_runtime.settings import ServiceSettings

log = logging.getLogger(__name__)


class Worker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass
class Parts:
    """What a service's bootstrap builds once the pool exists."""

    pipelines: Sequence[Pipeline]
    workers: Sequence[Worker] = ()
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class ServiceSpec:
    name: str
    settings: ServiceSettings
    dsn: str
    migrations: Path
    build: Callable[[asyncpg.Pool, KafkaBroker], Awaitable[Parts]]
    routers: Sequence[APIRouter] = ()


# How long one poll of a subscriber waits for records; an empty one is repeated at once.
_POLL_MS = 200
# Topics with a few records a day: their consumers poll the broker less often.
QUIET_TOPICS = frozenset({topics.CATALOG, topics.ORGANISER_MESSAGES})


def group_id(service: str, topic: str) -> str:
    return f"tilmeld-{service}.{topic}"


def chosen_pipelines(
    service: str, pipelines: Sequence[Pipeline], input_topics: frozenset[str]
) -> list[Pipeline]:
    """The pipelines this process runs: those of `TILMELD_INPUT_TOPICS`, or all of them."""
    if not input_topics:
        return list(pipelines)
    known = [p.topic for p in pipelines]
    unknown = sorted(input_topics - set(known))
    if unknown:
        raise ValueError(
            f"TILMELD_INPUT_TOPICS names {', '.join(unknown)}, which the {service} service "
            f"does not read; it reads {', '.join(known)}"
        )
    return [p for p in pipelines if p.topic in input_topics]


async def records_of(message: StreamMessage[Any]) -> Any:
    """The subscriber's decoder: the batch as aiokafka fetched it. The pipeline reads each
    CloudEvent itself; FastStream's own decoding would parse every record's JSON once more."""
    return message.raw_message


def _subscribe(
    broker: KafkaBroker, service: str, pipeline: Pipeline, settings: ServiceSettings
) -> Any:
    # The records are the handler's one argument, not a `KafkaMessage` context parameter:
    # fast_depends resolves context parameters with a synchronous function, i.e. in a worker
    # thread — a hand-off to a thread and back for every batch at every hop.
    async def handle(records: Any) -> None:
        await pipeline.process_batch(records if isinstance(records, tuple) else (records,))

    handle.__name__ = f"on_{pipeline.topic.replace('.', '_').replace('-', '_')}"
    subscriber = broker.subscriber(
        pipeline.topic,
        group_id=group_id(service, pipeline.topic),
        auto_offset_reset="earliest",
        # Other systems may write with transactional producers: what they abort was never sent,
        # so it must never be decided (Kafka's default, read_uncommitted, would hand it over).
        isolation_level="read_committed",
        # Whatever has been fetched is handled as one batch: one transaction, one offset commit.
        # getmany returns at once when records are buffered, so a lone record is not delayed.
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=_POLL_MS,
        # The hold while records are buffered; fetch_hold.py lengthens it while none are.
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        # Commit after the batch's transaction; an infrastructure error nacks: the batch's
        # partitions are rewound to its first records and redelivered.
        ack_policy=AckPolicy.NACK_ON_ERROR,
        parser=parse_any_headers,
        decoder=records_of,
        title=f"{service}:{pipeline.topic}",
    )
    pace = gather.Pace(pipeline.max_per_second, pipeline.topic) if pipeline.max_per_second else None
    idle_hold = (
        settings.quiet_fetch_max_wait_ms
        if pipeline.topic in QUIET_TOPICS
        else settings.idle_fetch_max_wait_ms
    )
    hold = FetchHold(idle_ms=idle_hold, behind_ms=settings.fetch_max_wait_ms)
    gather.fetch_into(
        subscriber, settings.batch_max_records, _POLL_MS, settings.batch_gather_ms, pace, hold
    )
    subscriber(handle)
    return subscriber


def _middlewares(service: str) -> tuple[Any, ...]:
    prometheus = KafkaPrometheusMiddleware(registry=REGISTRY, app_name=service)
    if not tracing.enabled():
        return (prometheus,)
    # A span per fetched batch; the pipeline opens one per input inside it (tracing.py).
    return (KafkaTelemetryMiddleware(), prometheus)


def build_app(spec: ServiceSpec) -> FastAPI:
    settings = spec.settings

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(spec.dsn)
        metrics.track_pool(pool)
        applied = await migrate(pool, spec.migrations)
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
        broker = KafkaBroker(
            settings.kafka_bootstrap,
            client_id=f"tilmeld-{spec.name}",
            # Through our logging setup; one INFO line per message would drown the real logs.
            logger=logging.getLogger(logs.FASTSTREAM_LOGGER),
            log_level=logging.DEBUG,
            middlewares=_middlewares(spec.name),
        )
        parts = await spec.build(pool, broker)
        pipelines = chosen_pipelines(spec.name, parts.pipelines, settings.input_topics)
        subscribers = [_subscribe(broker, spec.name, p, settings) for p in pipelines]
        for pipeline in pipelines:
            metrics.init_pipeline(pipeline.topic)
        lag = ConsumerLagMonitor(
            settings.kafka_bootstrap,
            {p.topic: group_id(spec.name, p.topic) for p in pipelines},
        )
        relay = OutboxRelay(
            pool,
            spec.dsn,
            settings.kafka_bootstrap,
            batch_size=settings.relay_batch_size,
            client_id=f"tilmeld-{spec.name}-relay",
            defer_seconds=settings.relay_defer_seconds,
        )
        retention = InboxRetention(pool, timedelta(days=settings.inbox_retention_days))
        app.state.pool, app.state.broker, app.state.subscribers = pool, broker, subscribers
        app.state.relay = relay
        # The served AsyncAPI document shows what this process really subscribes to.
        app.state.reads = tuple((p.topic, tuple(p.event_types)) for p in pipelines)
        for key, value in parts.state.items():
            setattr(app.state, key, value)
        await relay.start()
        await lag.start()
        if settings.inbox_retention_days:
            await retention.start()
        for worker in parts.workers:  # before consuming: handlers may depend on them
            await worker.start()
        await broker.start()
        gc_tuning.settle_after_startup(settings.gc_thresholds)  # all start-up work is done
        log.info("%s started on %s:%s", spec.name, settings.http_host, settings.http_port)
        try:
            yield
        finally:
            log.info("%s stopping", spec.name)
            await broker.stop()  # stops consuming; the handler in flight finishes first
            for worker in reversed(parts.workers):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(worker.stop(), settings.shutdown_timeout)
            await relay.stop(grace=settings.shutdown_timeout)
            await lag.stop()
            await retention.stop()
            await pool.close()
            log.info("%s stopped", spec.name)

    app = FastAPI(title=f"Tilmeld {spec.name}", lifespan=lifespan)
    app.state.service = spec.name
    app.include_router(_ops_router())
    app.include_router(_asyncapi_router(spec.name))
    for router in spec.routers:
        app.include_router(router)
    return app


def _ops_router() -> APIRouter:
    from fastapi import Request

    router = APIRouter(tags=["ops"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz")
    async def readyz(request: Request, response: Response) -> dict[str, Any]:
        checks = await readiness(request.app)
        ready = all(checks.values())
        response.status_code = 200 if ready else 503
        return {"status": "ready" if ready else "not ready", "checks": checks}

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _asyncapi_router(service: str) -> APIRouter:
    from fastapi import Request

    router = APIRouter(tags=["ops"])

    @router.get("/asyncapi.json")
    async def asyncapi_json(request: Request) -> Response:
        text = asyncapi.rendered(service, request.app.state.reads)
        return Response(text, media_type="application/json")

    @router.get("/asyncapi")
    async def asyncapi_page(request: Request) -> Response:
        page = asyncapi.html(service, request.app.state.reads)
        return Response(page, media_type="text/html")

    return router


async def readiness(app: FastAPI) -> dict[str, bool]:
    checks: dict[str, bool] = {}
    try:
        async with asyncio.timeout(2):
            checks["database"] = await app.state.pool.fetchval("SELECT 1") == 1
    except Exception:
        checks["database"] = False
    try:
        checks["broker"] = bool(await app.state.broker.ping(timeout=2))
    except Exception:
        checks["broker"] = False
    checks["consumers_assigned"] = all(
        s.consumer is not None and bool(s.consumer.assignment()) for s in app.state.subscribers
    )
    return checks


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    logs.configure_logging(app.state.service, settings.log_level)
    tracing.configure_tracing(app.state.service, settings.otel_exporter)
    bundling.configure(settings.internal_bundles)
    record_batches.configure(settings.outbox_record_batches)
    configure_claim_last(settings.claim_last)
    gc_tuning.observe_pauses()
    try:
        uvicorn.run(
            app,
            host=settings.http_host,
            port=settings.http_port,
            loop="uvloop",
            log_config=None,
            access_log=False,
            timeout_graceful_shutdown=int(settings.shutdown_timeout),
        )
    finally:
        tracing.shutdown_tracing()
