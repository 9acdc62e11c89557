"""The JSON kept in capacity's jsonb columns: an event's layout and a registration's choices."""

import json
from typing import Any

from capacity.domain import Layout, RoundLayout, SessionLayout
from capacity.domain.choices import Choices


def dump_layout(layout: Layout) -> str:
    return json.dumps(
        {
            "capacity": layout.capacity,
            "promotion": layout.promotion,
            "offer_hours": layout.offer_hours,
            "rounds": [
                {"id": r.id, "sessions": [{"id": s.id, "capacity": s.capacity} for s in r.sessions]}
                for r in layout.rounds
            ],
        }
    )


def load_layout(text: str) -> Layout:
    data: dict[str, Any] = json.loads(text)
    return Layout(
        capacity=data["capacity"],
        promotion=data["promotion"],
        offer_hours=data["offer_hours"],
        rounds=tuple(_load_round(r) for r in data["rounds"]),
    )


def _load_round(data: dict[str, Any]) -> RoundLayout:
    return RoundLayout(
        data["id"], tuple(SessionLayout(s["id"], s["capacity"]) for s in data["sessions"])
    )


def dump_choices(choices: Choices) -> str:
    return json.dumps({round_id: list(ranked) for round_id, ranked in choices.items()})


def load_choices(text: str) -> Choices:
    data: dict[str, list[str]] = json.loads(text)
    return {round_id: tuple(ranked) for round_id, ranked in data.items()}
