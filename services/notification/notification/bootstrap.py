"""Wires the notification service: three pipelines (catalog, registrations, organiser
messages), the mailer, the reminder scheduler and the webhook sender."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from faststream.kafka import KafkaBroker

from notification.adapters import webhook_config, webhooks_table
from notification.adapters.job_signal import JobSignal
from notification.adapters.link_signer import LinkSigner
from notification.adapters.rendering import TemplateRenderer
from notification.adapters.smtp import SmtpSender
from notification.adapters.webhook_http import HttpPoster
from notification.config import Settings
from notification.domain.retry import RetryPolicy
from notification.domain.webhooks import WebhookRetry
from notification.entrypoints.http import router
from notification.service.catalog import catalog_routes
from notification.service.delivery import Delivery
from notification.service.mailer import Mailer
from notification.service.messages import message_routes
from notification.service.rate_limit import RateLimit
from notification.service.registrations import prepare_facts, registration_routes
from notification.service.reminder_scheduler import ReminderScheduler
from notification.service.webhook_sender import CHANNEL, WebhookSender
from tilmeld_contracts import topics
from tilmeld_runtime.host import Parts, ServiceSpec
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.statistics import StatisticsKeeper

MIGRATIONS = Path(__file__).parent / "migrations"


def _now() -> datetime:
    return datetime.now(UTC)


def build_mailer(pool: asyncpg.Pool, settings: Settings) -> Mailer:
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    sender = SmtpSender(
        settings.smtp_host,
        settings.smtp_port,
        starttls=settings.smtp_starttls,
        user=settings.smtp_user,
        password=password,
        timeout=settings.smtp_timeout,
    )
    delivery = Delivery(
        sender,
        TemplateRenderer(),
        mail_from=settings.mail_from,
        clock=_now,
        send_attempts=settings.mail_send_attempts,
        signer=LinkSigner(settings.link_secret, settings.public_base_url),
    )
    retry = RetryPolicy(
        settings.mail_retry_base_seconds,
        settings.mail_retry_cap_seconds,
        settings.mail_max_attempts,
    )
    return Mailer(
        pool,
        delivery,
        JobSignal(settings.notification_db),
        retry=retry,
        rate=RateLimit(settings.mail_rate_per_second),
        poll_seconds=settings.mail_poll_seconds,
        clock=_now,
    )


def build_webhook_sender(pool: asyncpg.Pool, settings: Settings) -> WebhookSender:
    retry = WebhookRetry(
        settings.webhook_retry_base_seconds,
        settings.webhook_retry_cap_seconds,
        timedelta(hours=settings.webhook_retry_window_hours),
    )
    return WebhookSender(
        pool,
        HttpPoster(settings.webhook_timeout),
        JobSignal(settings.notification_db, CHANNEL),
        clock=_now,
        retry=retry,
        workers=settings.webhook_workers,
    )


def build_spec(settings: Settings | None = None) -> ServiceSpec:
    settings = settings or Settings()

    async def build(pool: asyncpg.Pool, broker: KafkaBroker) -> Parts:
        config = webhook_config.load(settings.webhooks_file)
        async with pool.acquire() as conn, conn.transaction():
            await webhooks_table.sync(conn, config)
        return Parts(
            pipelines=[
                Pipeline(pool, topics.CATALOG, catalog_routes()),
                Pipeline(
                    pool,
                    topics.REGISTRATIONS,
                    registration_routes(),
                    prepare=prepare_facts,
                    max_per_second=settings.registrations_intake_limit,
                ),
                Pipeline(pool, topics.ORGANISER_MESSAGES, message_routes()),
            ],
            workers=[
                build_mailer(pool, settings),
                ReminderScheduler(pool, _now, poll_seconds=settings.reminder_poll_seconds),
                build_webhook_sender(pool, settings),
                # mail_jobs has the mailer's own rule (pending against the planner's belief).
                StatisticsKeeper(pool, ["registrations"]),
            ],
        )

    return ServiceSpec(
        name="notification",
        settings=settings,
        dsn=settings.notification_db,
        migrations=MIGRATIONS,
        build=build,
        routers=[router],
    )
