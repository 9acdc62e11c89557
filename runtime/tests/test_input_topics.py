"""`TILMELD_INPUT_TOPICS`: a process of a service consumes only the inputs named there."""

from typing import Any, cast

import pytest

from tilmeld_runtime.host import chosen_pipelines
from tilmeld_runtime.pipeline import Pipeline
from tilmeld_runtime.settings import ServiceSettings

TOPICS = ("tilmeld.catalog", "tilmeld.signups", "tilmeld.internal.capacity-decisions")


def _pipelines() -> list[Pipeline]:
    return [Pipeline(cast(Any, None), topic, {}) for topic in TOPICS]


def test_the_setting_is_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TILMELD_INPUT_TOPICS", " tilmeld.catalog, tilmeld.signups ,")
    settings = ServiceSettings(http_port=1)
    assert settings.input_topics == {"tilmeld.catalog", "tilmeld.signups"}


def test_unset_or_empty_means_every_input(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings(http_port=1).input_topics == frozenset()
    monkeypatch.setenv("TILMELD_INPUT_TOPICS", "")
    settings = ServiceSettings(http_port=1)
    assert [
        p.topic for p in chosen_pipelines("registration", _pipelines(), settings.input_topics)
    ] == list(TOPICS)


def test_a_process_runs_only_the_chosen_inputs_in_the_services_order() -> None:
    chosen = chosen_pipelines(
        "registration",
        _pipelines(),
        frozenset({"tilmeld.internal.capacity-decisions", "tilmeld.catalog"}),
    )
    assert [p.topic for p in chosen] == ["tilmeld.catalog", "tilmeld.internal.capacity-decisions"]


def test_a_topic_the_service_does_not_read_stops_the_start_with_a_clear_error() -> None:
    with pytest.raises(ValueError) as error:
        chosen_pipelines(
            "registration", _pipelines(), frozenset({"tilmeld.signup", "tilmeld.catalog"})
        )
    message = str(error.value)
    assert "TILMELD_INPUT_TOPICS names tilmeld.signup" in message
    assert (
        "it reads tilmeld.catalog, tilmeld.signups, tilmeld.internal.capacity-decisions" in message
    )
