"""A fetched batch's inputs sorted out before its handlers run (pipeline.py)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from aiokafka import ConsumerRecord

from tilmeld_runtime.intake import Bundled, DeadLetter, Readable

Record: TypeAlias = ConsumerRecord[bytes, bytes]
Keys: TypeAlias = list[tuple[str, str]]  # each input's inbox key: (source, id)


@dataclass
class SortedInputs:
    """A batch's inputs sorted out: the duplicates counted, the dead letters, the rest to
    handle (with each one's place in `outcomes`), and the keys to claim."""

    outcomes: list[tuple[str, str]] = field(default_factory=list)
    letters: list[tuple[Record, DeadLetter]] = field(default_factory=list)
    todo: list[tuple[Record, Readable]] = field(default_factory=list)
    places: list[int] = field(default_factory=list)
    claimed: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0

    @classmethod
    def of(
        cls,
        inputs: Sequence[tuple[Record, Any]],
        keys: Keys,
        fresh: set[tuple[str, str]] | None,
    ) -> "SortedInputs":
        """`fresh`: the keys the inbox claim returned as new; None: every key not seen before
        in the batch (claimed later)."""
        sorted_ = cls()
        seen: set[tuple[str, str]] = set()
        for (record, item), key in zip(inputs, keys, strict=True):
            units = item.items if isinstance(item, Bundled) else [item]
            if key in seen or (fresh is not None and key not in fresh):
                # Handled before, or a second copy within the batch.
                sorted_.duplicates += 1
                sorted_.outcomes.extend((_label(unit), "duplicate") for unit in units)
                continue
            seen.add(key)
            sorted_.claimed.append(key)
            for unit in units:
                if isinstance(unit, DeadLetter):
                    sorted_.letters.append((record, unit))
                    sorted_.outcomes.append((unit.label, "deadlettered"))
                    continue
                sorted_.todo.append((record, unit))
                sorted_.places.append(len(sorted_.outcomes))
                outcome = "handled" if unit.data is not None else "invalid"
                sorted_.outcomes.append((unit.event.type, outcome))
        return sorted_


def _label(item: DeadLetter | Readable) -> str:
    return item.label if isinstance(item, DeadLetter) else item.event.type
