"""What a service does with the garbage collector once it has started, and the pause metric."""

import gc
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from tilmeld_runtime import gc_tuning
from tilmeld_runtime.settings import ServiceSettings


@pytest.fixture
def collector_restored() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def _timed(generation: str) -> float:
    sample = REGISTRY.get_sample_value("tilmeld_gc_pause_seconds_count", {"generation": generation})
    return sample or 0.0


def _cpu(generation: str) -> float:
    sample = REGISTRY.get_sample_value("tilmeld_gc_cpu_seconds_total", {"generation": generation})
    return sample or 0.0


def test_start_up_objects_are_frozen_and_the_thresholds_set(collector_restored: None) -> None:
    gc_tuning.settle_after_startup((2_000, 10, 10))
    assert gc.get_threshold() == (2_000, 10, 10)
    # Modules, classes and validators loaded so far: tens of thousands of objects that the
    # collector no longer walks.
    assert gc.get_freeze_count() > 10_000


def test_every_collection_is_timed_by_generation() -> None:
    gc_tuning.observe_pauses()
    gc_tuning.observe_pauses()  # once per process, however often it is asked
    assert gc.callbacks.count(gc_tuning._time_collection) == 1
    gc.disable()  # no automatic collection in between
    try:
        before = _timed("2"), _timed("0")
        cpu_before = _cpu("2")
        gc.collect()
        gc.collect(0)
        assert (_timed("2"), _timed("0")) == (before[0] + 1, before[1] + 1)
        # A full collection walks the whole (unfrozen) heap of a test process: CPU time shows.
        assert _cpu("2") > cpu_before
    finally:
        gc.enable()


def test_the_thresholds_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A young collection per 50,000 net allocations, not CPython's 700 (gc_tuning.py).
    assert ServiceSettings(http_port=1).gc_thresholds == (50_000, 10, 10)
    monkeypatch.setenv("TILMELD_GC_THRESHOLDS", "[20000, 50, 100]")
    assert ServiceSettings(http_port=1).gc_thresholds == (20_000, 50, 100)
