"""Latency by second of production (bench/stats.py)."""

from bench.stats import per_second


def test_requests_are_grouped_by_the_second_they_were_produced_in() -> None:
    sent = {"a": 100.0, "b": 100.5, "c": 101.2, "d": 102.9, "lost": 101.5}
    decided = {"a": 100.05, "b": 100.52, "c": 101.5, "d": 102.95}

    seconds = per_second(sent, decided)

    assert [(s["second"], s["n"]) for s in seconds] == [(0, 2), (1, 1), (2, 1)]
    assert seconds[0]["p99_ms"] == 50.0 and seconds[0]["p50_ms"] == 20.0
    assert seconds[1]["max_ms"] == 300.0


def test_nothing_sent_gives_no_seconds() -> None:
    assert per_second({}, {}) == []
