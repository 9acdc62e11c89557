"""The capacity service's own metrics (the pipeline's are in tilmeld_runtime.metrics)."""

from prometheus_client import Counter, Histogram

OFFER_TIMERS_FIRED = Counter(
    "tilmeld_capacity_offer_timers_fired_total", "Offer timers fired (expire-offer commands sent)"
)
OFFER_TIMER_LATENESS = Histogram(
    "tilmeld_capacity_offer_timer_lateness_seconds",
    "How long after the offer's deadline its timer fired",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300),
)
OFFER_TIMER_ERRORS = Counter(
    "tilmeld_capacity_offer_timer_errors_total", "Rounds of the offer timer that failed"
)
