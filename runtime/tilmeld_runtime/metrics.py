"""Pipeline metrics shared by all services (one process = one service, so no service label:
Prometheus adds `job`)."""

from prometheus_client import Counter, Gauge, Histogram

INPUTS = Counter(
    "tilmeld_inputs_total",
    "Input records handled, by topic, CloudEvents type and outcome",
    ["topic", "type", "outcome"],
)
DEADLETTERED = Counter(
    "tilmeld_deadlettered_total",
    "Inputs sent to tilmeld.deadletter, by reason",
    ["topic", "reason"],
)
INBOX_DUPLICATES = Counter(
    "tilmeld_inbox_duplicates_total", "Inputs skipped because their source+id was seen", ["topic"]
)
HANDLER_SECONDS = Histogram(
    "tilmeld_handler_duration_seconds",
    "Time to handle one input, transaction included",
    ["topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
HANDLER_RETRIES = Counter(
    "tilmeld_handler_retries_total",
    "Inputs handed back to Kafka after an infrastructure error",
    ["topic"],
)
OUTBOX_BACKLOG = Gauge("tilmeld_outbox_backlog", "Outbox rows not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "tilmeld_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row"
)
RELAY_PUBLISHED = Counter("tilmeld_relay_published_total", "Records the relay published", ["topic"])
RELAY_ERRORS = Counter("tilmeld_relay_errors_total", "Relay publish attempts that failed")
