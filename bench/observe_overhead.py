"""What the pipeline spends around each input before its handler runs: `observe.handling` (its
log context and, with tracing off, the trace context passed on), entered once per input on
every hop of a sign-up. Prints µs per input (best of several rounds).

    .venv/bin/python -m bench.observe_overhead [--n 100000] [--rounds 5]
"""

import argparse
import time
from datetime import UTC, datetime

from tilmeld_contracts.envelope import new_event
from tilmeld_runtime import observe
from tilmeld_runtime.testing import consumer_record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="inputs per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best counts")
    args = parser.parse_args()
    event = new_event(
        type="dk.tilmeld.signup.requested.v1",
        source="urn:kl:website",
        id="signup-1",
        time=datetime.now(UTC),
        subject=None,
        data={"event_id": "stuk-dagtilbud-2023"},
    )
    traceparent = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    record = consumer_record("tilmeld.signups", b"stuk-dagtilbud-2023", b"{}")
    record.headers = [("traceparent", traceparent)]
    best = float("inf")
    for _ in range(args.rounds):
        started = time.perf_counter()
        for _ in range(args.n):
            with observe.handling(record, event):
                pass
        best = min(best, time.perf_counter() - started)
    print(f"observe.handling: {best / args.n * 1e6:.2f} µs per input (best of {args.rounds})")


if __name__ == "__main__":
    main()
