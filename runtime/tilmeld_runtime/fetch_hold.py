"""How long the broker may hold a consumer's fetch: long while the consumer has nothing
buffered, short while records of a capped batch still wait in its buffer.

The broker answers a held fetch as soon as one of its partitions has a record, so when a fetch
names every assigned partition, a long hold delays nothing: it only spares the broker and the
service a poll every few milliseconds while a topic is quiet. Polling every 20 ms, an idle system
used ~15 % of a core in the broker and ~4 % in each service process, ~31 % in all; with the
hold ~8 % in all (bench/RESULTS.md, twenty-first round).

A fetch names only the partitions whose fetched records are all handed out, though. After a batch
capped at `max_records`, the busy partition's rest is still buffered, so the next fetch names only
the idle partitions, and the busy one cannot be fetched again until that fetch is answered: held
long, it put up to the whole hold on every hop in a rush (bench/RESULTS.md, third round). So the
hold is short exactly while the consumer has records buffered.

aiokafka takes the hold from its fetcher's `_fetch_max_wait_ms` each time it builds a fetch
(`Fetcher._get_actions_per_node`, aiokafka 0.14); `runtime/tests/test_fetch_hold.py` checks both
sides on the real broker, so an aiokafka that builds its fetches differently fails there.
"""

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer

_HELD = "_tilmeld_fetch_hold"


@dataclass(frozen=True)
class FetchHold:
    idle_ms: int  # nothing buffered
    behind_ms: int  # records of a capped batch still buffered


def hold_fetches(consumer: AIOKafkaConsumer, idle_ms: int, behind_ms: int) -> None:
    """From now on `consumer`'s fetches ask the broker to hold them up to `idle_ms` when nothing
    is buffered, `behind_ms` otherwise. Call it after `start()`; a second call changes nothing."""
    fetcher: Any = consumer._fetcher
    if fetcher is None or getattr(fetcher, _HELD, False):
        return
    build = fetcher._get_actions_per_node

    def build_with_hold(assignment: Any) -> Any:
        fetcher._fetch_max_wait_ms = behind_ms if fetcher._records else idle_ms
        return build(assignment)

    fetcher._get_actions_per_node = build_with_hold
    setattr(fetcher, _HELD, True)
