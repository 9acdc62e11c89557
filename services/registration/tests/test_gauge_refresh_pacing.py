"""The business gauges refresh an event that keeps changing once per interval, not every second,
and one that changes now and then at once."""

from registration.service.business_gauges import RefreshPacing


def test_an_event_never_refreshed_is_due_at_once() -> None:
    pacing = RefreshPacing(per_event_seconds=5.0)
    assert pacing.due({"a", "b"}, now=100.0) == ({"a", "b"}, set())


def test_an_event_touched_again_soon_waits_for_its_interval() -> None:
    pacing = RefreshPacing(per_event_seconds=5.0)
    pacing.refreshed(["a"], now=100.0)
    assert pacing.due({"a", "b"}, now=101.0) == ({"b"}, {"a"})
    assert pacing.due({"a"}, now=104.9) == (set(), {"a"})
    assert pacing.due({"a"}, now=105.0) == ({"a"}, set())


def test_a_forgotten_event_is_due_at_once_again() -> None:
    pacing = RefreshPacing(per_event_seconds=5.0)
    pacing.refreshed(["a"], now=100.0)
    pacing.forget(["a"])
    assert pacing.due({"a"}, now=100.5) == ({"a"}, set())
