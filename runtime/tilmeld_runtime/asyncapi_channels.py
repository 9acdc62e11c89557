"""Which topics each service reads and writes, and which CloudEvents types travel on each topic:
the declarations the AsyncAPI documents (`asyncapi.py`) are generated from."""

from tilmeld_contracts import topics
from tilmeld_contracts.internal import bundle_v1 as bundle
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.registry import DATA_MODELS

_DECISIONS = {
    capacity.SEAT_GRANTED,
    capacity.SEAT_WAITLISTED,
    capacity.SEAT_OFFERED,
    capacity.SEAT_RELEASED,
    capacity.SESSIONS_CHANGED,
    capacity.SEAT_REFUSED,
}
_PREFIX_TOPIC = {  # the longest matching prefix wins
    "dk.tilmeld.event.": topics.CATALOG,
    "dk.tilmeld.event.message_": topics.ORGANISER_MESSAGES,
    "dk.tilmeld.signup.": topics.SIGNUPS,
    "dk.tilmeld.cancellation.": topics.SIGNUPS,
    "dk.tilmeld.offer.": topics.SIGNUPS,
    "dk.tilmeld.registration.": topics.REGISTRATIONS,
    "dk.tilmeld.organisation.": topics.REGISTRATIONS,
    "dk.tilmeld.notification.": topics.NOTIFICATIONS,
}

# What each service reads and writes (all types on a topic, unless a few are named). Reads are
# checked against the services' real pipelines in a test.
READS = {
    "registration": (topics.CATALOG, topics.SIGNUPS, topics.CAPACITY_DECISIONS),
    "capacity": (topics.CAPACITY_COMMANDS,),
    "notification": (topics.CATALOG, topics.REGISTRATIONS, topics.ORGANISER_MESSAGES),
}
WRITES: dict[str, dict[str, tuple[str, ...] | None]] = {
    "registration": {
        topics.REGISTRATIONS: None,
        topics.CAPACITY_COMMANDS: (
            capacity.DEFINE_EVENT,
            capacity.CANCEL_EVENT,
            capacity.REQUEST_SEAT,
            capacity.RELEASE_SEAT,
            capacity.ANSWER_OFFER,
            bundle.BUNDLE,
        ),
        topics.DEADLETTER: None,
    },
    # Capacity's offer timer sends `expire-offer` to its own input, in order with the rest.
    "capacity": {
        topics.CAPACITY_DECISIONS: None,
        topics.CAPACITY_COMMANDS: (capacity.EXPIRE_OFFER, bundle.BUNDLE),
        topics.DEADLETTER: None,
    },
    "notification": {topics.NOTIFICATIONS: None, topics.DEADLETTER: None},
}


def topic_of(event_type: str) -> str:
    if event_type.startswith("dk.tilmeld.internal."):
        return topics.CAPACITY_DECISIONS if event_type in _DECISIONS else topics.CAPACITY_COMMANDS
    matches = [prefix for prefix in _PREFIX_TOPIC if event_type.startswith(prefix)]
    if not matches:
        raise KeyError(f"no topic carries {event_type!r}")
    return _PREFIX_TOPIC[max(matches, key=len)]


def types_on(topic: str) -> list[str]:
    """The types on `topic`; a bundle travels on both internal topics."""
    return sorted(
        t
        for t in DATA_MODELS
        if topic_of(t) == topic or (t == bundle.BUNDLE and topic in topics.INTERNAL_TOPICS)
    )
