"""The bench says when the databases it runs against are no longer a clean state."""

from bench.report import database_warning


def test_databases_larger_than_the_buffer_cache_are_called_out() -> None:
    held = {"size_mb": {"registration": 1327, "capacity": 718, "notification": 2175}}
    warning = database_warning({**held, "shared_buffers_mb": 256})
    assert warning is not None and "4,220 MB" in warning and "infra.sh reset" in warning


def test_a_clean_state_or_no_answer_says_nothing() -> None:
    clean = {"size_mb": {"registration": 7, "capacity": 7, "notification": 7}}
    assert database_warning({**clean, "shared_buffers_mb": 256}) is None
    assert database_warning(None) is None
