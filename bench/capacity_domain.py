"""The capacity service's pure decision core alone: a rush's seat requests through `decide` and
`evolve`, no database, no Kafka. Prints µs per seat request (best of several rounds), a figure
that moves with the domain's code only, not with a busy box's broker or database.

    .venv/bin/python -m bench.capacity_domain [--n 20000] [--rounds 5]
"""

import argparse
import random
import time
from datetime import UTC, datetime

from capacity.domain.commands import DefineEvent, RequestSeat
from capacity.domain.decide import decide
from capacity.domain.evolve import replay
from capacity.domain.layout import Layout, RoundLayout, SessionLayout
from capacity.domain.model import EventState, SeatRequest, Status

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rush_layout() -> Layout:
    """The benchmark's conference: 550 seats, two rounds of five theme meetings of 60."""
    rounds = tuple(
        RoundLayout(f"runde-{r}", tuple(SessionLayout(f"tema-{r}-{s}", 60) for s in range(5)))
        for r in (1, 2)
    )
    return Layout(capacity=550, rounds=rounds)


def requests(n: int, seed: int = 6) -> list[SeatRequest]:
    rng = random.Random(seed)
    sessions = {r: [f"tema-{r}-{s}" for s in range(5)] for r in (1, 2)}
    return [
        SeatRequest(
            f"registration-{i}",
            f"organisation-{i % 3_000}",
            {f"runde-{r}": tuple(rng.sample(sessions[r], rng.randint(1, 3))) for r in (1, 2)},
        )
        for i in range(n)
    ]


def run_once(layout: Layout, seat_requests: list[SeatRequest]) -> tuple[float, EventState]:
    empty = EventState("rush")
    state = replay(empty, decide(empty, DefineEvent(layout), NOW))
    started = time.perf_counter()
    for request in seat_requests:
        state = replay(state, decide(state, RequestSeat(request), NOW))
    return time.perf_counter() - started, state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000, help="seat requests (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="runs; the best counts")
    args = parser.parse_args()
    layout, seat_requests = rush_layout(), requests(args.n)
    best = float("inf")
    for round_number in range(1, args.rounds + 1):
        seconds, state = run_once(layout, seat_requests)
        best = min(best, seconds)
        print(f"  round {round_number}: {seconds / args.n * 1e6:.2f} µs per seat request")
    print(
        f"capacity domain: {best / args.n * 1e6:.2f} µs per seat request (best of {args.rounds}),"
        f" {state.count(Status.HOLDING)} seated, {state.count(Status.WAITING)} waitlisted"
    )


if __name__ == "__main__":
    main()
