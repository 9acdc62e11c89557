"""Mailer metrics (the pipeline's own come from tilmeld_runtime.metrics)."""

from prometheus_client import Counter, Gauge, Histogram

MAILS = Counter(
    "tilmeld_mails_total", "Mail jobs by template and outcome (sent, failed, retry, skipped)",
    ["template", "outcome"],
)
SEND_SECONDS = Histogram(
    "tilmeld_mail_send_seconds", "Time to hand one mail to the SMTP relay, retries included",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PENDING = Gauge("tilmeld_mails_pending", "Mail jobs not yet sent, failed or skipped")
MAILER_ERRORS = Counter("tilmeld_mailer_errors_total", "Mailer loop errors (database away)")
