"""The scenario's own event as the business metrics should show it: three seats and one round
of two sessions (a: 2 seats, b: 3), five sign-ups who each rank a before b, one sign-up
without a usable email address. So: three confirmed (two in a, the third in b waiting for a),
two waitlisted, one rejected as an invalid request."""

from typing import Any

SEATS, SIGNUPS = 3, 5
ROUND = "runde-1"
SESSIONS = {"a": 2, "b": 3}
CHOICES = {ROUND: ["a", "b"]}


def rounds(definition: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": ROUND,
            "title": "Temamøder",
            "starts_at": definition["starts_at"],
            "ends_at": definition["ends_at"],
            "sessions": [
                {"id": session, "title": f"Temamøde {session}", "capacity": capacity}
                for session, capacity in SESSIONS.items()
            ],
        }
    ]


def _event(event_id: str) -> str:
    return f'job="registration",event="{event_id}"'


def seats_available(event_id: str) -> str:
    return f"tilmeld_event_seats_available{{{_event(event_id)}}}"


def signups(event_id: str, outcome: str, reason: str | None = None) -> str:
    because = f',reason="{reason}"' if reason else ""
    return f'sum(tilmeld_signup_requests_total{{{_event(event_id)},outcome="{outcome}"{because}}})'


def _session(metric: str, event_id: str, session: str) -> str:
    return f'{metric}{{{_event(event_id)},round="{ROUND}",session="{session}"}}'


def expected(event_id: str) -> dict[str, float]:
    """Each expression's value once the scenario settled (a new event: no earlier values)."""
    return {
        signups(event_id, "confirmed"): SEATS,
        signups(event_id, "waitlisted"): SIGNUPS - SEATS,
        signups(event_id, "rejected", "invalid_request"): 1,
        seats_available(event_id): 0,
        f"tilmeld_waitlist_length{{{_event(event_id)}}}": SIGNUPS - SEATS,
        f"tilmeld_offers_outstanding{{{_event(event_id)}}}": 0,
        _session("tilmeld_session_seats_available", event_id, "a"): 0,
        _session("tilmeld_session_seats_available", event_id, "b"): SESSIONS["b"] - 1,
        _session("tilmeld_session_waitlist_length", event_id, "a"): 1,
        _session("tilmeld_session_waitlist_length", event_id, "b"): 0,
    }
