"""The rush benchmark (bench/, `make bench`) once at a tiny size against the services the e2e
fixtures start, so the harness cannot rot: it must decide every sign-up, find no violation
and write the JSON the issue asks for."""

from email.utils import getaddresses
from pathlib import Path
from typing import Any

import orjson
import pytest

from bench.config import Config, Target
from bench.report import table
from bench.rush import run
from bench.workload import Shape
from tests.e2e.kafka_io import Tail, eventually
from tests.e2e.mailbox import Mailbox
from tests.e2e.services import ServiceProcess
from tilmeld_contracts import topics
from tilmeld_contracts.internal import capacity_v1 as capacity
from tilmeld_contracts.internal.bundle_v1 import BUNDLE, events_in

SYSTEMS = ("tilmeld", "floor", "monolith")
FIGURES = ("decided_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "n")
# Small enough that 200 sign-ups fill the event, the sessions and a waitlist.
TINY = Shape(capacity=40, session_capacity=8, per_organisation_max=5)
SEAT_REQUESTS = {capacity.REQUEST_SEAT}
SEAT_DECISIONS = {capacity.SEAT_GRANTED, capacity.SEAT_WAITLISTED}


def _carried(tail: Tail, event_id: str, types: set[str]) -> list[dict[str, Any]]:
    """The events of `types` for the event on the tail's topic, bundled or not, in order."""
    return [e for record in tail.events(event_id) for e in events_in(record) if e["type"] in types]


async def _until_carried(tail: Tail, event_id: str, types: set[str], n: int) -> None:
    await eventually(lambda: len(_carried(tail, event_id, types)) >= n, 30, tail.topic)


class MailboxSource:
    """The test SMTP server as the benchmark's mail source (the conference title names the
    bench event, so other tests' mail is left out)."""

    def __init__(self, mailbox: Mailbox) -> None:
        self._mailbox = mailbox

    def received(self) -> dict[str, float | None]:
        return {
            address.lower(): None
            for message in self._mailbox.about("(bench-")
            for _, address in getaddresses([str(message["To"])])
        }


@pytest.mark.timeout(300)
async def test_tiny_rush_decides_everything_correctly_and_writes_the_json(
    services: dict[str, ServiceProcess],
    mailbox: Mailbox,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = Config(
        n=200,
        rate=100,
        duration=1,
        shape=TINY,
        json_out=tmp_path / "rush.json",
        stall_timeout=30,
        mail_timeout=60,
    )
    pids = {name: s.process.pid for name, s in services.items() if s.process is not None}
    source = MailboxSource(mailbox)
    commands, decisions = Tail(topics.CAPACITY_COMMANDS), Tail(topics.CAPACITY_DECISIONS)
    await commands.start()
    await decisions.start()
    hops = ((commands, SEAT_REQUESTS), (decisions, SEAT_DECISIONS))
    try:
        result = await run(config, Target(pids=pids, mail=source))
        event_id = result["tilmeld"]["event_id"]
        seated = sum(result["tilmeld"]["outcomes"].get(k, 0) for k in ("confirmed", "waitlisted"))
        for tail, types in hops:  # until the tails have read what the rush put on each hop
            await _until_carried(tail, event_id, types, seated)
    finally:
        await commands.stop()
        await decisions.stop()
    said = capsys.readouterr().err
    print(table(result))  # shown when the test fails

    # The baselines ran first, before Tilmeld's mail went out behind them.
    assert said.index("==> floor:") < said.index("==> monolith:") < said.index("==> Tilmeld:")

    assert result["violations"] == 0, result["tilmeld"]["violation_examples"]
    written = orjson.loads((tmp_path / "rush.json").read_bytes())
    for name in SYSTEMS:
        assert set(FIGURES) <= set(written[name]), name
        assert written[name]["n"] == 200, name
    assert {"ratio_floor", "ratio_monolith", "violations"} <= set(written)
    assert written["ratio_floor"] > 0 and written["ratio_monolith"] > 0
    assert written["fixed_rate"]["offered_per_s"] == 100
    assert written["fixed_rate"]["n"] == 100 and written["fixed_rate"]["p99_ms"] > 0
    by_second = written["fixed_rate"]["per_second"]
    assert sum(second["n"] for second in by_second) == 100 and by_second[0]["second"] == 0
    outcomes = written["tilmeld"]["outcomes"]
    assert outcomes["confirmed"] == TINY.capacity and outcomes["waitlisted"] > 0
    # The internal hops carried the rush in bundles, each seat request and decision once.
    assert event_id == written["tilmeld"]["event_id"]
    assert seated == outcomes["confirmed"] + outcomes["waitlisted"]
    for tail, types in hops:
        records = tail.events(event_id)
        inner = _carried(tail, event_id, types)
        assert len({e["data"]["registration_id"] for e in inner}) == len(inner) == seated
        assert any(r["type"] == BUNDLE for r in records) and len(records) < len(inner)
    assert written["floor"]["missing"] == 0 and written["floor"]["duplicates"] == 0
    assert written["mail"]["confirmation_mails_received"] == TINY.capacity
    assert set(written["rss_max_mb"]) == set(pids)
    databases = written["machine"]["databases"]
    assert set(databases["size_mb"]) == {"registration", "capacity", "notification"}
    assert databases["shared_buffers_mb"] > 0
    # Let the notification service send the rest (it is rate-limited), so the tests after
    # this one do not wait behind the benchmark's mail.
    decided = sum(written[k]["n"] for k in ("tilmeld", "fixed_rate"))
    await eventually(lambda: len(source.received()) >= decided, timeout=120, what="bench mail")
