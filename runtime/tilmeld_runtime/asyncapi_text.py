"""The prose of the AsyncAPI documents (`asyncapi.py`): what each channel and service is for."""

from typing import Any

from tilmeld_contracts import topics

_ENVELOPE = (
    " Every record is one CloudEvents 1.0 event in structured JSON mode (content type"
    " `application/cloudevents+json`); binary mode (`ce_*` headers) is accepted on inputs."
    " The record key is the event (conference/network) id. (`source`, `id`) is the"
    " idempotency key. The extension attribute `correlationid` names the input that started"
    " the chain (a sign-up's id on everything it causes); a W3C `traceparent` header carries"
    " the trace context."
)
_INTERNAL = (
    " Internal to Tilmeld: no compatibility promise to other systems. Several events of one"
    " transaction for one key travel as one `dk.tilmeld.internal.bundle.v1` record whose"
    " `data.events` lists them in order, each a whole CloudEvent with its own `traceparent`."
)

CHANNEL_TEXT = {
    topics.CATALOG: "Event definitions from organisers (`tilmeld events publish`); compacted,"
    " key = event id." + _ENVELOPE,
    topics.SIGNUPS: "Sign-up, cancellation and offer-answer requests from other systems"
    " (web forms, CRM)." + _ENVELOPE,
    topics.REGISTRATIONS: "Outcome facts about registrations (subject = registration id);"
    " every sign-up that is not dead-lettered gets exactly one of confirmed, waitlisted or"
    " rejected." + _ENVELOPE,
    topics.NOTIFICATIONS: "One fact per mail sent or given up." + _ENVELOPE,
    topics.ORGANISER_MESSAGES: "Organisers' messages to an event's attendees." + _ENVELOPE,
    topics.DEADLETTER: "Every input Tilmeld could not accept, with its value and headers"
    " unchanged; the `tilmeld-*` headers say why and where it came from.",
    topics.CAPACITY_COMMANDS: "Commands to the capacity service, the single writer of seats."
    + _ENVELOPE
    + _INTERNAL,
    topics.CAPACITY_DECISIONS: "The capacity service's seat decisions." + _ENVELOPE + _INTERNAL,
}

SERVICE_TEXT = {
    "registration": "Validates sign-ups, records them, asks capacity for a seat and publishes"
    " the public outcome facts.",
    "capacity": "The only writer of seats: decides each event's seats in arrival order.",
    "notification": "Turns every outcome fact into a Danish (or English) email and reports"
    " each mail sent or failed.",
}


def _header(description: str) -> dict[str, str]:
    return {"type": "string", "description": description}


DEADLETTER_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["tilmeld-error", "tilmeld-detail", "tilmeld-topic", "tilmeld-offset"],
    "properties": {
        "tilmeld-error": {
            **_header("Reason code"),
            "enum": [
                "not_json",
                "not_cloudevent",
                "unsupported_content_type",
                "unknown_type",
                "invalid_data",
                "processing_failed",
            ],
        },
        "tilmeld-detail": _header("Human-readable reason (Danish or English)"),
        "tilmeld-topic": _header("Topic the input was read from"),
        "tilmeld-partition": _header("Partition the input was read from"),
        "tilmeld-offset": _header("Offset of the input"),
        "tilmeld-bundle-index": _header(
            "Set when one event of an internal bundle is dead-lettered: its place in the"
            " bundle (from 0); the record value is that event alone"
        ),
    },
}
