"""Notification metrics (the pipeline's own come from tilmeld_runtime.metrics)."""

from prometheus_client import Counter, Gauge, Histogram

MAILS = Counter(
    "tilmeld_mails_total",
    "Mail jobs by template and outcome (sent, failed, retry, skipped)",
    ["template", "outcome"],
)
NOTIFICATIONS = Counter(
    "tilmeld_notifications_total",
    "Notifications by channel (email, webhook), template (webhook: the CloudEvents type"
    " delivered) and outcome (sent, failed); retries are not outcomes",
    ["channel", "template", "outcome"],
)
SEND_SECONDS = Histogram(
    "tilmeld_mail_send_seconds",
    "Time to hand one mail to the SMTP relay, retries included",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
PENDING = Gauge("tilmeld_mails_pending", "Mail jobs not yet sent, failed or skipped")
MAILER_ERRORS = Counter("tilmeld_mailer_errors_total", "Mailer loop errors (database away)")
INTERRUPTED_RESENDS = Counter(
    "tilmeld_mail_interrupted_resends_total",
    "Mails sent again because an earlier attempt was cut off between send and commit"
    " (same Message-ID; the relay may have had the first)",
)
FANOUT_RECIPIENTS = Counter(
    "tilmeld_notification_fanout_recipients_total",
    "Mail jobs created by fan-outs (organiser changes, broadcasts, reminders, cancellations)",
    ["kind"],
)
FANOUT_PENDING = Gauge(
    "tilmeld_notification_fanout_pending", "Fan-out mail jobs not yet sent, by kind", ["kind"]
)
REMINDER_SLOTS = Counter(
    "tilmeld_reminder_slots_total",
    "Reminder slots fired, by outcome (send, superseded, too_late)",
    ["outcome"],
)
WEBHOOKS = Counter(
    "tilmeld_webhook_deliveries_total",
    "Webhook delivery attempts by outcome (delivered, retry, failed, gone)",
    ["outcome"],
)
WEBHOOKS_PENDING = Gauge("tilmeld_webhook_deliveries_pending", "Webhook deliveries not yet done")
