"""Wake-ups for the mailer (and the webhook sender): LISTEN on `mail_jobs` (or
`webhook_deliveries`), NOTIFY'd by triggers at commit."""

from tilmeld_runtime.wakeup import WakeSignal

CHANNEL = "mail_jobs"


class JobSignal(WakeSignal):
    def __init__(self, dsn: str, channel: str = CHANNEL) -> None:
        super().__init__(dsn, channel)
