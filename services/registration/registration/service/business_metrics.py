"""Business counters of the registration service, counted from the facts it emits: every
outcome passes through `facts.emit_fact`. Counted only once the transaction commits, so a batch
that is rolled back and handled again does not count twice.

Labels are bounded: `event` is the id of an event the catalog defined (anything else, e.g. a
sign-up for an event nobody published, is counted as "unknown"); reasons are the contract's
closed lists. Never an email address or a registration id."""

from typing import get_args

from prometheus_client import Counter
from pydantic import BaseModel

from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.registration import v1 as facts
from tilmeld_contracts.signups import v1 as signups
from tilmeld_runtime.tx import Tx

SIGNUP_REQUESTS = Counter(
    "tilmeld_signup_requests_total",
    "Sign-up requests by outcome (confirmed, waitlisted, rejected) and rejection reason",
    ["event", "outcome", "reason"],
)
PROMOTIONS = Counter(
    "tilmeld_promotions_total",
    "Registrations promoted from the waiting list to a seat (at once, or by an accepted offer)",
    ["event"],
)
OFFERS_MADE = Counter(
    "tilmeld_offers_made_total", "Seats offered to the first in line (offer-mode events)", ["event"]
)
CANCELLATIONS = Counter(
    "tilmeld_cancellations_total", "Registrations cancelled, by reason", ["event", "reason"]
)
ENROLMENTS = Counter(
    "tilmeld_organisations_enrolled_total",
    "Organisations enrolled in events with a fee per organisation",
    ["event"],
)


class EventIds:
    """Event ids the catalog defined (a process-wide set, filled by the gauges worker from the
    store and by every definition handled), and those whose figures changed since last read."""

    def __init__(self) -> None:
        self.known: set[str] = set()
        self.touched: set[str] = set()

    def label(self, event_id: str) -> str:
        return event_id if event_id in self.known else "unknown"

    def take_touched(self) -> set[str]:
        taken, self.touched = self.touched, set()
        return taken


EVENTS = EventIds()
# Inputs whose rejection is not a sign-up's outcome (the request named no registration to act on).
_NOT_SIGNUPS = {signups.CANCELLATION_REQUESTED, signups.OFFER_ACCEPTED, signups.OFFER_DECLINED}
# Facts that change seats, waiting lists or offers.
_MOVES_FIGURES = {
    facts.CONFIRMED,
    facts.PROMOTED,
    facts.WAITLISTED,
    facts.OFFERED,
    facts.CANCELLED,
    facts.SESSION_CHANGED,
}


def count_fact(tx: Tx, fact_type: str, event_id: str, data: BaseModel) -> None:
    event = EVENTS.label(event_id)
    counter = None
    if fact_type == facts.CONFIRMED:
        counter = SIGNUP_REQUESTS.labels(event, "confirmed", "")
    elif fact_type == facts.WAITLISTED:
        counter = SIGNUP_REQUESTS.labels(event, "waitlisted", "")
    elif fact_type == facts.REJECTED:
        if tx.input is None or tx.input.type not in _NOT_SIGNUPS:
            counter = SIGNUP_REQUESTS.labels(event, "rejected", str(getattr(data, "reason", "")))
    elif fact_type == facts.PROMOTED:
        counter = PROMOTIONS.labels(event)
    elif fact_type == facts.OFFERED:
        counter = OFFERS_MADE.labels(event)
    elif fact_type == facts.CANCELLED:
        counter = CANCELLATIONS.labels(event, str(getattr(data, "reason", "")))
    elif fact_type == facts.ORGANISATION_ENROLLED:
        counter = ENROLMENTS.labels(event)
    if counter is not None:
        tx.after_commit(counter.inc)
    if fact_type in _MOVES_FIGURES:
        tx.after_commit(lambda: EVENTS.touched.add(event_id))


def note_command(tx: Tx, command_type: str, event_id: str) -> None:
    """A definition or cancellation passed on to capacity: the event is known from now on, and
    its seats (capacity, sessions) may have changed."""
    if command_type in (capacity.DEFINE_EVENT, capacity.CANCEL_EVENT):

        def note() -> None:
            EVENTS.known.add(event_id)
            EVENTS.touched.add(event_id)
            start_at_zero(event_id)

        tx.after_commit(note)


def start_at_zero(event_id: str) -> None:
    """Expose an event's counters at 0 before anything happens to it: a series born at 1 would
    hide its first increase from `increase()` and `rate()`."""
    SIGNUP_REQUESTS.labels(event_id, "confirmed", "")
    SIGNUP_REQUESTS.labels(event_id, "waitlisted", "")
    for reason in get_args(facts.RejectionReason):
        SIGNUP_REQUESTS.labels(event_id, "rejected", reason)
    for reason in get_args(facts.CancellationReason):
        CANCELLATIONS.labels(event_id, reason)
    for counter in (PROMOTIONS, OFFERS_MADE, ENROLMENTS):
        counter.labels(event_id)
