"""Which registrations a list of decisions changes: only those rows need writing."""

from capacity.domain import (
    Decision,
    EventCancelled,
    EventDefined,
    SeatGranted,
    SeatOffered,
    SeatRefused,
    SeatReleased,
    SeatWaitlisted,
    SessionsChanged,
)


def touched_registrations(decisions: list[Decision]) -> set[str]:
    touched: set[str] = set()
    for decision in decisions:
        match decision:
            case SeatGranted(request=r) | SeatWaitlisted(request=r) | SeatRefused(request=r):
                touched.add(r.registration_id)
            case SeatOffered(registration_id=rid) | SeatReleased(registration_id=rid):
                touched.add(rid)
            case SessionsChanged(registration_id=rid):
                touched.add(rid)
            case EventDefined() | EventCancelled():
                pass
    return touched
