"""Wires the notification service: two pipelines (catalog, registrations) and the mailer."""

from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from faststream.kafka import KafkaBroker

from notification.adapters.job_signal import JobSignal
from notification.adapters.rendering import TemplateRenderer
from notification.adapters.smtp import SmtpSender
from notification.config import Settings
from notification.domain.retry import RetryPolicy
from notification.service.catalog import catalog_routes
from notification.service.delivery import Delivery
from notification.service.mailer import Mailer
from notification.service.rate_limit import RateLimit
from notification.service.registrations import registration_routes
from tilmeld_contracts import topics
from tilmeld_runtime.host import Parts, ServiceSpec
from tilmeld_runtime.pipeline import Pipeline

MIGRATIONS = Path(__file__).parent / "migrations"


def _now() -> datetime:
    return datetime.now(UTC)


def build_mailer(pool: asyncpg.Pool, settings: Settings) -> Mailer:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    sender = SmtpSender(
        settings.smtp_host, settings.smtp_port, starttls=settings.smtp_starttls,
        user=settings.smtp_user, password=password, timeout=settings.smtp_timeout,
    )
    delivery = Delivery(
        sender, TemplateRenderer(), mail_from=settings.mail_from, clock=_now,
        send_attempts=settings.mail_send_attempts,
    )
    retry = RetryPolicy(settings.mail_retry_base_seconds, settings.mail_retry_cap_seconds,
                        settings.mail_max_attempts)
    return Mailer(pool, delivery, JobSignal(settings.notification_db), retry=retry,
                  rate=RateLimit(settings.mail_rate_per_second),
                  poll_seconds=settings.mail_poll_seconds, clock=_now)


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    settings = settings or Settings()

    async def build(pool: asyncpg.Pool, broker: KafkaBroker) -> Parts:
        return Parts(
            pipelines=[Pipeline(pool, topics.CATALOG, catalog_routes()),
                       Pipeline(pool, topics.REGISTRATIONS, registration_routes())],
            workers=[build_mailer(pool, settings)],
        )

    return ServiceSpec(name="notification", settings=settings, dsn=settings.notification_db,
                       migrations=MIGRATIONS, build=build)
