"""The bench says when the databases it runs against are no longer a clean state."""

from bench.report import database_warning, worst_seconds


def test_databases_larger_than_the_buffer_cache_are_called_out() -> None:
    held = {"size_mb": {"registration": 1327, "capacity": 718, "notification": 2175}}
    warning = database_warning({**held, "shared_buffers_mb": 256})
    assert warning is not None and "4,220 MB" in warning and "infra.sh reset" in warning


def test_a_clean_state_or_no_answer_says_nothing() -> None:
    clean = {"size_mb": {"registration": 7, "capacity": 7, "notification": 7}}
    assert database_warning({**clean, "shared_buffers_mb": 256}) is None
    assert database_warning(None) is None


def test_the_fixed_rate_phase_is_shown_by_second_start_and_worst() -> None:
    seconds = [
        {"second": 0, "n": 10, "p50_ms": 60.0, "p99_ms": 350.0, "max_ms": 360.0},
        {"second": 1, "n": 10, "p50_ms": 50.0, "p99_ms": 90.0, "max_ms": 95.0},
        {"second": 2, "n": 10, "p50_ms": 70.0, "p99_ms": 216.4, "max_ms": 230.0},
        {"second": 3, "n": 10, "p50_ms": 50.0, "p99_ms": 120.0, "max_ms": 125.0},
    ]
    shown = worst_seconds(seconds, count=2)
    assert shown == "p99 of the first second 350 ms; worst others: 2 s 216 ms, 3 s 120 ms"
