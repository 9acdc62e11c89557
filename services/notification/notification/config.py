"""Settings of the notification service, from TILMELD_* environment variables."""

from pathlib import Path

from pydantic import Field, SecretStr

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
    # Outcome facts taken in from tilmeld.registrations per second at most, while behind (e.g.
    # in a registration rush): the seat decisions get the CPU and the database first, and the
    # facts wait on Kafka rather than as mail jobs that drain at the mail rate anyway. Unset:
    # twice the mail rate, at least 500/s; 0: no limit.
    registrations_intake_per_second: float | None = Field(default=None, ge=0)
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

    @property
    def registrations_intake_limit(self) -> float | None:
        """The pace of the facts' pipeline (None: unpaced)."""
        chosen = self.registrations_intake_per_second
        if chosen is None:
            return max(500.0, 2 * self.mail_rate_per_second)
        return chosen or None
