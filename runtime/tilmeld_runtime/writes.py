"""A batch's writes as ONE statement: each write is an INSERT, UPDATE or DELETE with its own
`$1…$n`, and `combined` joins them as data-modifying CTEs, renumbering the parameters.

One statement is one round trip and is atomic on its own: a batch whose reads come first can
commit all it writes without BEGIN and COMMIT (pipeline.py). The parts of a statement see the
same snapshot and run in no set order, so each must touch rows no other part touches.

A write may also check that a row it read without a lock is unchanged (`unchanged`): where it
changed, the whole statement fails as a serialization failure and nothing of it is written."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

_PARAMETER = re.compile(r"\$(\d+)")


@dataclass(frozen=True, slots=True)
class Write:
    sql: str  # one INSERT, UPDATE or DELETE without RETURNING; `$1…$n` are `args`
    args: tuple[Any, ...]

    def __post_init__(self) -> None:
        highest = max((int(n) for n in _PARAMETER.findall(self.sql)), default=0)
        if highest != len(self.args):
            raise ValueError(f"a write's last parameter is ${highest}; it has {len(self.args)}")


def combined(writes: Sequence[Write]) -> Write:
    """The writes as one statement, in the order given."""
    if len(writes) == 1:
        return writes[0]
    parts: list[str] = []
    args: list[Any] = []
    for index, write in enumerate(writes):
        parts.append(f"w{index} AS ({_shifted(write.sql, len(args))})")
        args.extend(write.args)
    return Write("WITH " + ",\n".join(parts) + "\nSELECT 1", tuple(args))


def _shifted(sql: str, offset: int) -> str:
    return _PARAMETER.sub(lambda m: f"${int(m[1]) + offset}", sql)


def unchanged(column: str, parameter: str, what: str) -> str:
    """A condition for an UPDATE's WHERE: true where `column` still holds `parameter` (e.g.
    `$3`, the value read), and otherwise the statement fails with a serialization failure
    naming `what` (an SQL text expression, e.g. `'event ' || event_id`). An UPDATE that waited
    for another transaction's lock on the row checks the row as that transaction left it. CASE
    fixes the order: the function runs only on a mismatch
    (migrations/0005_changed_meanwhile.sql)."""
    return (
        f"CASE WHEN {column} IS NOT DISTINCT FROM {parameter} THEN true"
        f" ELSE tilmeld_changed_meanwhile({what}) END"
    )
