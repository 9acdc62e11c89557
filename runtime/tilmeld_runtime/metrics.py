"""Pipeline metrics shared by all services (one process = one service, so no service label:
Prometheus adds `job`)."""

import asyncpg
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
CLAIMED_AGAIN = Counter(
    "tilmeld_batches_claimed_again_total",
    "Batches handled a second time with the inbox claim first, because their closing statement"
    " met an input handled before (a replay after a crash or rebalance)",
    ["topic"],
)
CHANGED_MEANWHILE = Counter(
    "tilmeld_batches_changed_meanwhile_total",
    "Batches handled a second time in a transaction with locks, because what they read without"
    " one changed before their closing statement (another instance during a rebalance)",
    ["topic"],
)
HANDLER_SECONDS = Histogram(
    "tilmeld_handler_duration_seconds",
    "Time to handle one input, transaction included",
    ["topic"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
INTAKE_PACED_SECONDS = Counter(
    "tilmeld_intake_paced_seconds_total",
    "Seconds a paced consumer waited before its next fetch (it was taking in faster than its"
    " limit, i.e. it was behind)",
    ["topic"],
)
HANDLER_RETRIES = Counter(
    "tilmeld_handler_retries_total",
    "Inputs handed back to Kafka after an infrastructure error",
    ["topic"],
)
OUTBOX_BACKLOG = Gauge("tilmeld_outbox_backlog", "Outbox records not yet published")
OUTBOX_OLDEST_AGE = Gauge(
    "tilmeld_outbox_oldest_age_seconds", "Age of the oldest unpublished outbox row"
)
RELAY_PUBLISHED = Counter("tilmeld_relay_published_total", "Records the relay published", ["topic"])
RELAY_ERRORS = Counter("tilmeld_relay_errors_total", "Relay publish attempts that failed")
CONSUMER_LAG = Gauge(
    "tilmeld_consumer_lag",
    "Records not yet committed by a consumer group (end offset - committed offset)",
    ["group", "topic", "partition"],
)
CONSUMER_LAG_ERRORS = Counter(
    "tilmeld_consumer_lag_errors_total", "Consumer lag samples that failed (broker away)"
)
DB_POOL_CONNECTIONS = Gauge(
    "tilmeld_db_pool_connections", "Open database connections in the pool, by state", ["state"]
)
DB_POOL_MAX_CONNECTIONS = Gauge(
    "tilmeld_db_pool_max_connections", "Connections the pool may open at most"
)


def track_pool(pool: asyncpg.Pool) -> None:
    """Read the pool's usage at scrape time (the last pool tracked wins; one per process)."""
    DB_POOL_CONNECTIONS.labels("in_use").set_function(
        lambda: pool.get_size() - pool.get_idle_size()
    )
    DB_POOL_CONNECTIONS.labels("idle").set_function(pool.get_idle_size)
    DB_POOL_MAX_CONNECTIONS.set_function(pool.get_max_size)


DEADLETTER_REASONS = (
    "not_json",
    "not_cloudevent",
    "unsupported_content_type",
    "unknown_type",
    "invalid_data",
    "processing_failed",
)


def init_pipeline(topic: str) -> None:
    """Expose a pipeline's counters at 0 from the start: a series born at 1 would hide the
    first increase from `increase()` and `rate()` (and so from the dead-letter alert)."""
    for reason in DEADLETTER_REASONS:
        DEADLETTERED.labels(topic, reason)
    INBOX_DUPLICATES.labels(topic)
    CLAIMED_AGAIN.labels(topic)
    CHANGED_MEANWHILE.labels(topic)
    HANDLER_RETRIES.labels(topic)
