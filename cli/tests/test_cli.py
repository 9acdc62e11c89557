"""The command line without a broker: file problems (exit 1), invalid input (exit 2) and an
unreachable broker (exit 3, quickly, without a stack trace)."""

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer import BadParameter
from typer.testing import Result

from tilmeld_cli.commands.signups import parse_choices

Run = Callable[..., Result]
Write = Callable[..., Path]
SAMPLE = str(Path(__file__).resolve().parents[2] / "deploy" / "sample" / "stuk-dagtilbud-2023.yaml")
NO_BROKER = "127.0.0.1:1"  # nothing listens on port 1: connection refused


def test_validate_prints_each_problem_as_file_line_path_message(tilmeld: Run, write: Write) -> None:
    path = write(
        "id: x\nkind: conference\ntitle: T\norganiser: KL\nstarts_at: i morgen\n"
        "ends_at: 2023-10-03T15:30:00+02:00\nkapacitet: 5\n"
    )
    result = tilmeld("events", "validate", str(path))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}:5: starts_at: Input should be a valid datetime")
    assert lines[1] == f"{path}:7: kapacitet: unknown field; did you mean 'capacity'?"
    assert lines[2] == f"{path}: 2 problems; nothing published"
    assert result.stdout == ""


def test_validate_summarises_a_valid_file(tilmeld: Run) -> None:
    result = tilmeld("events", "validate", SAMPLE)
    assert result.exit_code == 0
    assert "stuk-dagtilbud-2023 (conference) is valid" in result.stdout
    assert "2023-10-03 09:00–15:30 (UTC+02:00)" in result.stdout
    assert "capacity:     600" in result.stdout
    assert "temamoede-3 (120 seats): En levende evalueringskultur i dagplejen" in result.stdout


def test_publish_of_an_invalid_file_publishes_nothing(tilmeld: Run, write: Write) -> None:
    path = write("id: x\nkind: [\n")
    result = tilmeld("--bootstrap", NO_BROKER, "events", "publish", str(path))
    assert result.exit_code == 1  # not 3: the file was refused before any connection
    assert f"{path}:" in result.stderr and "YAML syntax error" in result.stderr


def test_a_missing_file_is_a_usage_error(tilmeld: Run, tmp_path: Path) -> None:
    result = tilmeld("events", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


def test_an_invalid_signup_is_refused_with_every_reason(tilmeld: Run) -> None:
    result = tilmeld(
        "--bootstrap",
        NO_BROKER,
        "signup",
        "--event",
        "stuk-dagtilbud-2023",
        "--name",
        "Mette",
        "--email",
        "mette-at-aarhus.dk",
        "--municipality-code",
        "999",
        "--language",
        "fr",
    )
    assert result.exit_code == 2
    assert "use --raw to send it anyway" in result.stderr
    for reason in (
        "attendee.email: value is not a valid email address",
        "attendee.organisation: Field required",
        "attendee.municipality_code: '999' is not an official Danish municipality",
        "attendee.language: Input should be 'da' or 'en'",
    ):
        assert reason in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["signup", "--event", "e", "--raw", "--email", "not-an-email"],
        ["signup", "--event", "e", "--data", '{"event_id": 5}'],
        ["events", "publish", SAMPLE],
        ["events", "cancel", "stuk-dagtilbud-2023"],
        ["cancel", "--event", "e", "--email", "a@b.dk"],
        ["offer", "decline", "--event", "e", "--registration-id", "r"],
    ],
)
def test_an_unreachable_broker_exits_3_quickly_with_a_clear_message(
    tilmeld: Run, args: list[str]
) -> None:
    started = time.monotonic()
    result = tilmeld("--bootstrap", NO_BROKER, *args)
    assert result.exit_code == 3
    assert time.monotonic() - started < 10
    assert f"could not publish to Kafka at {NO_BROKER}" in result.stderr
    assert "Traceback" not in result.output


def test_the_bootstrap_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tilmeld: Run
) -> None:
    monkeypatch.setenv("TILMELD_KAFKA_BOOTSTRAP", NO_BROKER)
    result = tilmeld("events", "cancel", "stuk-dagtilbud-2023")
    assert result.exit_code == 3
    assert NO_BROKER in result.stderr


def test_cancel_needs_exactly_one_of_registration_id_and_email(tilmeld: Run) -> None:
    for extra in ([], ["--registration-id", "r", "--email", "a@b.dk"]):
        result = tilmeld("--bootstrap", NO_BROKER, "cancel", "--event", "e", *extra)
        assert result.exit_code == 2
        assert "exactly one of --registration-id and --email" in result.stderr


def test_an_event_cancellation_needs_a_slug(tilmeld: Run) -> None:
    result = tilmeld("--bootstrap", NO_BROKER, "events", "cancel", "Not A Slug")
    assert result.exit_code == 2
    assert "event_id:" in result.stderr


def test_choices_keep_the_order_of_preference() -> None:
    assert parse_choices(["runde-1=temamoede-3, temamoede-1", "runde-2=temamoede-5"]) == {
        "runde-1": ["temamoede-3", "temamoede-1"],
        "runde-2": ["temamoede-5"],
    }
    assert parse_choices([]) == {}


@pytest.mark.parametrize("bad", ["runde-1", "=temamoede-1", "runde-1=", "runde-1=,"])
def test_malformed_choices_are_usage_errors(bad: str, tilmeld: Run) -> None:
    with pytest.raises(BadParameter):
        parse_choices([bad])
    result = tilmeld("signup", "--event", "e", "--choice", bad)
    assert result.exit_code == 2
    assert "--choice" in result.stderr


def test_a_round_may_not_be_given_twice() -> None:
    with pytest.raises(BadParameter, match="given twice"):
        parse_choices(["runde-1=a", "runde-1=b"])
