"""Hop by hop latency from the records' CreateTimes (bench/hops.py)."""

import orjson

from bench.hops import Stamps, chains, summary
from tilmeld_contracts import topics
from tilmeld_contracts.internal.bundle_v1 import BUNDLE


def _event(id_: str, correlation: str | None = None) -> dict[str, object]:
    event: dict[str, object] = {"specversion": "1.0", "id": id_, "type": "t", "source": "s"}
    if correlation:
        event["correlationid"] = correlation
    return event


def _bundle(*correlations: str) -> bytes:
    events = [_event(f"e-{c}", c) for c in correlations]
    return orjson.dumps({**_event("bundle"), "type": BUNDLE, "data": {"events": events}})


def _stamps() -> Stamps:
    stamps = Stamps()
    for signup_id, key, at in [("a", b"k1", 1_000), ("b", b"k1", 1_010), ("c", b"k1", 1_020)]:
        stamps.add(topics.SIGNUPS, key, at, orjson.dumps(_event(signup_id)))
    stamps.add(topics.SIGNUPS, b"k0", 900, orjson.dumps(_event("other")))
    # A sender that sets its own correlation id: Tilmeld passes that on, not the id.
    stamps.add(topics.SIGNUPS, b"k1", 1_005, orjson.dumps(_event("d-id", "d")))
    stamps.add(topics.SIGNUPS, b"k1", 1_030, b"not json")
    # a and b travel in one bundle per internal hop; c was rejected by registration at once.
    stamps.add(topics.CAPACITY_COMMANDS, b"k1", 1_040, _bundle("a", "b", "d"))
    stamps.add(topics.CAPACITY_DECISIONS, b"k1", 1_070, _bundle("a", "b", "d"))
    stamps.add(topics.CAPACITY_DECISIONS, b"k1", 1_500, _bundle("a"))  # a replay: first counts
    stamps.add(topics.REGISTRATIONS, b"k1", 1_080, orjson.dumps(_event("f-a", "a")))
    stamps.add(topics.REGISTRATIONS, b"k1", 1_100, orjson.dumps(_event("f-b", "b")))
    stamps.add(topics.REGISTRATIONS, b"k1", 1_025, orjson.dumps(_event("f-c", "c")))
    stamps.add(topics.REGISTRATIONS, b"k1", 1_075, orjson.dumps(_event("f-d", "d")))
    return stamps


def test_each_decided_signup_of_the_event_gives_its_three_hops() -> None:
    stamps = _stamps()
    assert stamps.latest_event() == "k1"
    assert sorted(chains(stamps, "k1")) == [(30, 30, 30, 90), (35, 30, 5, 70), (40, 30, 10, 80)]
    assert chains(stamps, "k0") == []


def test_the_summary_names_the_hop_the_slowest_wait_in() -> None:
    rows = summary([(40, 30, 10, 80), (30, 30, 30, 90)])
    by_hop = {row["hop"]: row for row in rows}
    assert by_hop["end to end"]["max_ms"] == 90.0
    assert by_hop["end to end"]["p50_ms"] == 80.0
    assert by_hop["sign-up hop"]["slowest_1pct_mean_ms"] == 30  # the slowest is (30, 30, 30)
    assert by_hop["decisions hop"]["slowest_1pct_mean_ms"] == 30


def test_nothing_read_names_no_event() -> None:
    assert Stamps().latest_event() is None
