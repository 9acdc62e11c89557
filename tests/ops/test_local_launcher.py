"""deploy/local/services.sh starts the notification service so that it gives way to the decision
path on a busy box (bench/RESULTS.md, seventh round): checked on real processes."""

import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ops.prometheus import ROOT

YIELDING = ROOT / "deploy" / "local" / "yielding.sh"
LAUNCHER = ROOT / "deploy" / "local" / "services.sh"


def _autogroup(pid: int | str) -> tuple[str, int] | None:
    """(group, niceness) from /proc/<pid>/autogroup. None on kernels without autogroup, and for
    a process in the root task group, for which the kernel prints nothing (seen in CI: the test
    runner's session there never got an autogroup of its own)."""
    path = Path(f"/proc/{pid}/autogroup")
    if not path.exists():
        return None
    return _parsed_autogroup(path.read_text())


def _parsed_autogroup(line: str) -> tuple[str, int] | None:
    found = re.fullmatch(r"(/autogroup-\d+) nice (-?\d+)\n?", line)
    return (found[1], int(found[2])) if found else None


def _niceness(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


@pytest.fixture
def yielding_sleeper() -> Iterator[int]:
    """`sleep` started as services.sh starts a service: in a session of its own, niceness 7."""
    process = subprocess.Popen(["setsid", str(YIELDING), "7", "sleep", "60"])
    try:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{process.pid}/comm").read_text().strip() != "sleep":
            assert time.monotonic() < deadline, "yielding.sh did not exec its command"
            time.sleep(0.02)
        yield process.pid
    finally:
        process.kill()
        process.wait()


def test_the_command_runs_at_the_niceness_given(yielding_sleeper: int) -> None:
    assert _niceness(yielding_sleeper) == 7


def test_its_session_gives_way_where_the_cpu_is_shared_between_sessions(
    yielding_sleeper: int,
) -> None:
    mine, theirs = _autogroup("self"), _autogroup(yielding_sleeper)
    if theirs is None:
        pytest.skip("this kernel shows no autogroup for a new session")
    assert theirs[1] == 7
    if mine is not None:  # None: the caller runs in the root task group, at its full share
        assert theirs[0] != mine[0]
        assert mine[1] == 0, "the caller's own session must keep its share"


def test_niceness_zero_leaves_the_session_alone() -> None:
    found = subprocess.run(
        ["setsid", str(YIELDING), "0", "cat", "/proc/self/autogroup", "/proc/self/stat"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    autogroup = _parsed_autogroup(found.split("\n", 1)[0])
    if autogroup is not None:
        assert autogroup[1] == 0
    assert found.rsplit(")", 1)[1].split()[16] == "0"


def test_an_empty_autogroup_file_reads_as_no_autogroup() -> None:
    assert _parsed_autogroup("") is None
    assert _parsed_autogroup("/autogroup-47623 nice 10\n") == ("/autogroup-47623", 10)


def test_only_the_mail_side_is_started_yielding() -> None:
    launcher = LAUNCHER.read_text("utf-8")
    assert re.search(r"\[notification\]=\$\{TILMELD_NOTIFICATION_NICE:-10\}", launcher)
    assert re.search(r"\[mail-sink\]=\$\{TILMELD_MAIL_SINK_NICE:-10\}", launcher)
    assert re.search(r"\[registration\]=0 \[registration-decisions\]=0 \[capacity\]=0", launcher)
    assert 'setsid nohup "$ROOT/deploy/local/yielding.sh" "${NICENESS[$name]}" "$@"' in launcher
