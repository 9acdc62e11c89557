"""A pipeline shaped like the sign-up hop's, for the runtime's tests and
`bench/closing_statement.py`: `prepare` reads, each input's name is gathered into `thing_log`
for the closing statement (or, `direct_write`, written to `side` by the handler itself), and a
fact goes to the outbox. `create_tables` makes both tables in the pool's schema."""

from typing import Any, cast

import asyncpg
import orjson
from aiokafka import ConsumerRecord
from pydantic import BaseModel

from tilmeld_contracts.envelope import CloudEvent, new_event
from tilmeld_runtime.pipeline import Pipeline, Route
from tilmeld_runtime.testing import consumer_record
from tilmeld_runtime.tx import Tx
from tilmeld_runtime.writes import Write

TOPIC = "t"
TYPE = "dk.example.thing.v1"


class Thing(BaseModel):
    name: str


async def create_tables(pool: asyncpg.Pool) -> None:
    await pool.execute("CREATE TABLE thing_log (name text PRIMARY KEY)")
    await pool.execute("CREATE TABLE side (name text)")  # no key: a repeat would show


def thing_record(id_: str, name: str, offset: int) -> ConsumerRecord[bytes, bytes]:
    value = orjson.dumps(
        {
            "specversion": "1.0",
            "id": id_,
            "source": "urn:test",
            "type": TYPE,
            "time": "2026-01-01T00:00:00Z",
            "data": {"name": name},
        }
    )
    return consumer_record(TOPIC, b"k", value, offset=offset, headers=[])


def done(event: CloudEvent, thing: Thing, tx: Tx) -> CloudEvent:
    """The fact a handled thing leaves: `done-<input id>`, with the thing's name."""
    return new_event(
        type="dk.example.done.v1",
        source="urn:t",
        id=f"done-{event.id}",
        time=tx.now,
        subject=None,
        data={"name": thing.name},
    )


def thing_pipeline(pool: Any, direct_write: bool = False) -> Pipeline:
    """`pool`: an asyncpg pool, or anything with its `acquire()` (a pool that logs)."""

    async def prepare(tx: Tx, items: Any) -> None:
        names = [thing.name for _, thing in items]
        await tx.conn.fetch("SELECT name FROM thing_log WHERE name = ANY($1::text[])", names)

    async def handle(tx: Tx, event: CloudEvent, thing: Thing) -> None:
        if direct_write:
            await tx.conn.execute("INSERT INTO side (name) VALUES ($1)", thing.name)
        names: list[str] = tx.cache.setdefault("names", [])
        names.append(thing.name)
        tx.write_at_commit(
            "things",
            lambda: [Write("INSERT INTO thing_log (name) SELECT unnest($1::text[])", (names,))],
        )
        tx.emit("out", "k", done(event, thing, tx))

    routes = {TYPE: Route(Thing, handle)}
    return Pipeline(cast(asyncpg.Pool, pool), TOPIC, routes, prepare=prepare)
