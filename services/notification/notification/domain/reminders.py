"""When reminders go out. A conference has one part, the event; a network has one per meeting.
Each part gets a reminder `days` before it starts (default 7 and 1; per event `reminders`)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Literal

from tilmeld_contracts.catalog.v1 import EventDefinition

DEFAULT_DAYS: tuple[int, ...] = (7, 1)
EVENT_PART = "event"


@dataclass(frozen=True)
class Slot:
    """One reminder of one part, for everyone with a seat at the time it fires."""

    event_id: str
    part_id: str  # EVENT_PART or a meeting id
    days_before: int
    due_at: datetime
    part_starts_at: datetime


Outcome = Literal["send", "superseded", "too_late"]


def slots_for(event: EventDefinition, now: datetime) -> list[Slot]:
    """Every reminder still ahead. One whose moment has passed is never sent."""
    days = DEFAULT_DAYS if event.reminders is None else tuple(event.reminders)
    parts = (
        [(m.id, m.starts_at) for m in event.meetings]
        if event.kind == "network"
        else [(EVENT_PART, event.starts_at)]
    )
    return [
        Slot(event.id, part_id, d, starts_at - timedelta(days=d), starts_at)
        for part_id, starts_at in parts
        for d in sorted(set(days), reverse=True)
        if starts_at - timedelta(days=d) > now
    ]


def decide_due(due: Iterable[Slot], now: datetime) -> list[tuple[Slot, Outcome]]:
    """Due slots of one part that piled up (the service was down) send one reminder, the
    nearest; nothing is sent for a part that has begun."""
    decided: list[tuple[Slot, Outcome]] = []
    ordered = sorted(due, key=lambda s: (s.event_id, s.part_id, s.days_before))
    for _, group in groupby(ordered, key=lambda s: (s.event_id, s.part_id)):
        slots = list(group)
        if slots[0].part_starts_at <= now:
            decided += [(s, "too_late") for s in slots]
            continue
        decided.append((slots[0], "send"))
        decided += [(s, "superseded") for s in slots[1:]]
    return decided
