"""The decisions of one `decide` so far, and the state they lead to."""

from datetime import datetime

from capacity.domain.decisions import Decision, SessionsChanged
from capacity.domain.evolve import evolve
from capacity.domain.model import EventState
from capacity.domain.seating import next_promotion, next_session_move


class Ledger:
    def __init__(self, state: EventState, now: datetime) -> None:
        self.before, self.state, self.now = state, state, now
        self.decisions: list[Decision] = []

    def record(self, decision: Decision) -> None:
        self.decisions.append(decision)
        self.state = evolve(self.state, decision)

    def settle(self) -> None:
        """Serve free seats until none fits: session waitlists first (every holder arrived
        before anyone on the event waitlist), then the event waitlist."""
        while (
            step := next_session_move(self.state) or next_promotion(self.state, self.now)
        ) is not None:
            self.record(step)

    def result(self) -> list[Decision]:
        """One SessionsChanged per holder (the last, as each carries all their sessions), and
        none for a holder who ends where they began: each becomes a message to an attendee."""
        last = {
            d.registration_id: i
            for i, d in enumerate(self.decisions)
            if isinstance(d, SessionsChanged)
        }
        kept: list[Decision] = []
        for i, decision in enumerate(self.decisions):
            if isinstance(decision, SessionsChanged):
                before = self.before.registrations.get(decision.registration_id)
                unchanged = before is not None and before.sessions == decision.sessions
                if last[decision.registration_id] != i or unchanged:
                    continue
            kept.append(decision)
        return kept
