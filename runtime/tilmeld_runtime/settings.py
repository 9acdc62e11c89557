"""Settings every service reads from the environment (prefix TILMELD_)."""

from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TILMELD_", extra="ignore")

    kafka_bootstrap: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int
    # Seconds a stopping service waits for in-flight work before it gives up.
    shutdown_timeout: float = 20.0
    relay_batch_size: int = 500
    # Seconds this process leaves the outbox relay (one per database) to the service's other
    # processes at start: the relay publishes everything its database's processes commit, so
    # where it runs decides how the work is shared (deploy/local/services.sh puts it next to
    # registration's decisions, the lighter of its two processes). It takes over when the one
    # holding it stops.
    relay_defer_seconds: float = Field(default=0.0, ge=0)
    # Most records a consumer handles in one transaction.
    batch_max_records: int = 500
    # How long the broker may hold a consumer's fetch while records of a capped batch are still
    # buffered. Such a fetch names only the idle partitions, and the busy one waits for its
    # answer: Kafka's 500 ms default put half a second on every hop (fetch_hold.py).
    fetch_max_wait_ms: int = 20
    # How long while nothing is buffered: the fetch names every partition and the broker
    # answers it as soon as one has a record, so this delays nothing; polling every 20 ms cost
    # an idle system ~11 % of a core of the broker (bench/RESULTS.md, twenty-first round).
    idle_fetch_max_wait_ms: int = Field(default=500, ge=0)
    # The same for the topics that carry a few records a day (the catalog, organisers'
    # messages), settable on its own as before.
    quiet_fetch_max_wait_ms: int = Field(default=500, ge=0)
    # How long a batch that is not full waits for what arrived while the previous one was
    # handled (one fetch round trip); 0 switches it off. See gather.py.
    batch_gather_ms: int = Field(default=5, ge=0)
    # Days the inbox remembers a handled input (duplicates of older ones are not recognised);
    # 0 keeps it forever. Longer than an input can stay on its topic: see retention.py.
    inbox_retention_days: float = Field(default=30.0, ge=0)
    # The garbage collector's thresholds after start-up (gc.set_threshold): see gc_tuning.py.
    gc_thresholds: tuple[int, int, int] = (50_000, 10, 10)
    # The input topics this process consumes, comma-separated; empty: all of its service's.
    # Several processes of one service can share its inputs this way (each topic's consumer
    # group is the service's, whichever process runs it): deploy/local/services.sh runs the
    # registration service's decisions in a process of their own (bench/RESULTS.md, ninth round).
    input_topics: Annotated[frozenset[str], NoDecode] = frozenset()
    # Send a transaction's internal events for one key as one bundle record (bundling.py).
    # Readers always accept bundles; switch this off while upgrading from a version without
    # them, until no instance of the old version runs, or an old reader dead-letters them.
    internal_bundles: bool = True
    # Write a transaction's records for one key on the other topics as one outbox row
    # (record_batches.py). Switch it off while upgrading from a version without it, until no
    # instance of the old version runs: an old relay cannot publish such a row.
    outbox_record_batches: bool = True
    # Claim a batch's inputs in the inbox in its closing statement, on the assumption that they
    # are new, and begin its transaction only with a handler's own statement (pipeline.py): two
    # round trips for a batch that reads in `prepare` and writes at the close, instead of six.
    # Off: BEGIN and the inbox claim first, as before.
    claim_last: bool = True
    log_level: str = "INFO"
    # Where spans go: none (tracing off), console, otlp, or file:<directory> (tracing.py).
    otel_exporter: str = "none"
    # Signs self-service links (notification) and checks them (registration): set the same
    # secret on both in production.
    link_secret: str = "dev-link-secret-change-me"
    # Where people reach the registration service's self-service pages.
    public_base_url: str = "http://127.0.0.1:8081"

    @field_validator("input_topics", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value
