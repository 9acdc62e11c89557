"""Settings of the notification service, from TILMELD_* environment variables."""

from pathlib import Path

from pydantic import SecretStr

from tilmeld_runtime.settings import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8083
    notification_db: str = "postgresql://notification:notification@127.0.0.1:55432/notification"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_starttls: bool = False
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout: float = 30.0
    mail_from: str = "Tilmeld <tilmeld@tilmeld.local>"

    # Most relays throttle or blocklist bursts; 20/s is far below what they tolerate.
    mail_rate_per_second: float = 20.0
    # Fallback when a NOTIFY is missed (listener reconnecting); also how soon a due retry runs.
    mail_poll_seconds: float = 1.0
    # Quick retries of one send (tenacity, in process) before the job is put back for later.
    mail_send_attempts: int = 3
    # Then the job waits base·2^n seconds (jittered, at most cap) between picks, and after
    # this many picks it is given up and reported as failed (about a day with the defaults).
    mail_retry_base_seconds: float = 30.0
    mail_retry_cap_seconds: float = 3600.0
    mail_max_attempts: int = 30

    # How often the reminder schedule is looked at (at the latest; sooner when one is due).
    reminder_poll_seconds: float = 30.0

    # Webhook subscriptions (YAML/JSON); none when unset.
    webhooks_file: Path | None = None
    webhook_timeout: float = 10.0
    webhook_workers: int = 2
    # Retries wait base·2^n seconds (jittered, at most cap) for up to `window` hours.
    webhook_retry_base_seconds: float = 10.0
    webhook_retry_cap_seconds: float = 3600.0
    webhook_retry_window_hours: float = 24.0
