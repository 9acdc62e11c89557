"""An attendee's ranked session choices per round, checked against the layout."""

from collections.abc import Mapping

from capacity.domain.layout import Layout

Choices = Mapping[str, tuple[str, ...]]  # round id → session ids, first choice first


def choice_problem(layout: Layout, choices: Choices) -> str | None:
    """Why these choices cannot be seated (Danish / English); None when they are valid.
    Registration validates too, but the single writer of seats must not trust it."""
    for round_id, ranked in choices.items():
        if not layout.has_round(round_id):
            return f"ukendt runde {round_id!r} / unknown round {round_id!r}"
        seen: set[str] = set()
        for session_id in ranked:
            if not layout.in_round(round_id, session_id):
                return (
                    f"runde {round_id!r} har ingen session {session_id!r}"
                    f" / round {round_id!r} has no session {session_id!r}"
                )
            if session_id in seen:
                return (
                    f"session {session_id!r} er valgt to gange"
                    f" / session {session_id!r} is chosen twice"
                )
            seen.add(session_id)
    return None


def effective_choices(layout: Layout, choices: Choices) -> dict[str, tuple[str, ...]]:
    """The choices that still fit the layout: an organiser may have removed or moved sessions
    since the attendee chose. Rounds left without a choice are dropped."""
    kept: dict[str, tuple[str, ...]] = {}
    for round_id, ranked in choices.items():
        fitting = tuple(s for s in ranked if layout.in_round(round_id, s))
        if fitting:
            kept[round_id] = fitting
    return kept
