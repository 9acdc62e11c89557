"""A batch's closing statement on the real PostgreSQL: the inbox claim, the handlers' gathered
writes and the outbox rows in one statement, the transaction begun only by a handler's own
statement, and a replay handled again with the inbox claim first."""

import asyncio

import asyncpg
import orjson
import pytest
from prometheus_client import REGISTRY

from tilmeld_runtime.example_pipeline import create_tables, thing_pipeline, thing_record
from tilmeld_runtime.testing import LoggedPool, consumer_record, queued_records
from tilmeld_runtime.writes import Write, combined


@pytest.fixture
async def tables(runtime_pool: asyncpg.Pool) -> asyncpg.Pool:
    await create_tables(runtime_pool)
    return runtime_pool


async def _names(pool: asyncpg.Pool, table: str) -> list[str]:
    return [r["name"] for r in await pool.fetch(f"SELECT name FROM {table} ORDER BY name")]


async def _outputs(pool: asyncpg.Pool) -> list[str]:
    return [orjson.loads(r.value)["id"] for r in await queued_records(pool)]


def _claimed_again() -> float:
    value = REGISTRY.get_sample_value("tilmeld_batches_claimed_again_total", {"topic": "t"})
    return value or 0.0


def test_combined_writes_renumber_each_ones_parameters() -> None:
    first = Write("INSERT INTO a SELECT unnest($1::text[]), $2", (["x"], 1))
    second = Write("UPDATE b SET n = $1 WHERE id = $2", (5, "y"))
    statement = combined([first, second])
    assert statement.sql == (
        "WITH w0 AS (INSERT INTO a SELECT unnest($1::text[]), $2),\n"
        "w1 AS (UPDATE b SET n = $3 WHERE id = $4)\nSELECT 1"
    )
    assert statement.args == (["x"], 1, 5, "y")
    assert combined([second]) is second


def test_a_write_must_have_the_parameters_its_statement_names() -> None:
    with pytest.raises(ValueError, match=r"last parameter is \$2; it has 1"):
        Write("UPDATE b SET n = $1 WHERE id = $2", (5,))


async def test_a_batch_whose_writes_all_close_it_is_one_read_and_one_write(
    tables: asyncpg.Pool,
) -> None:
    logged = LoggedPool(tables)
    pipeline = thing_pipeline(logged)
    await pipeline.process_batch([thing_record("warm", "warm", 0)])  # asyncpg learns the types
    logged.statements.clear()
    records = [thing_record(f"{n}", f"n{n}", offset=n) for n in range(1, 4)]
    await pipeline.process_batch(records)
    # No BEGIN, no COMMIT, no inbox claim of its own: the read, then one atomic statement.
    assert logged.statements == [
        "SELECT name FROM thing_log WHERE name = ",
        "WITH w0 AS (INSERT INTO inbox (source, i",
    ]
    assert await _names(tables, "thing_log") == ["n1", "n2", "n3", "warm"]
    assert await _outputs(tables) == ["done-warm", "done-1", "done-2", "done-3"]
    assert await tables.fetchval("SELECT count(*) FROM inbox") == 4


async def test_a_replayed_batch_is_handled_again_with_the_claim_first_and_decided_once(
    tables: asyncpg.Pool,
) -> None:
    pipeline = thing_pipeline(tables)
    await pipeline.process_batch([thing_record("1", "a", 0), thing_record("2", "b", 1)])
    before = _claimed_again()
    duplicates = REGISTRY.get_sample_value("tilmeld_inbox_duplicates_total", {"topic": "t"}) or 0
    # After a crash the consumer gets "2" again, with "3" behind it.
    await pipeline.process_batch([thing_record("2", "b", 1), thing_record("3", "c", 2)])
    assert _claimed_again() == before + 1
    after = REGISTRY.get_sample_value("tilmeld_inbox_duplicates_total", {"topic": "t"})
    assert after == duplicates + 1  # counted once, not once per attempt
    assert await _names(tables, "thing_log") == ["a", "b", "c"]
    assert await _outputs(tables) == ["done-1", "done-2", "done-3"]


async def test_a_dead_letter_in_a_replayed_batch_is_queued_and_counted_once(
    tables: asyncpg.Pool,
) -> None:
    pipeline = thing_pipeline(tables)
    await pipeline.process_batch([thing_record("1", "a", 0)])
    labels = {"topic": "t", "reason": "not_json"}
    before = REGISTRY.get_sample_value("tilmeld_deadlettered_total", labels) or 0
    unreadable = consumer_record("t", b"k", b"nope", offset=1, headers=[])
    # The replay's first attempt queues the dead letter too, then fails on the inbox.
    await pipeline.process_batch([thing_record("1", "a", 0), unreadable])
    assert REGISTRY.get_sample_value("tilmeld_deadlettered_total", labels) == before + 1
    letters = [r for r in await queued_records(tables) if r.topic == "tilmeld.deadletter"]
    assert [r.value for r in letters] == [b"nope"]


async def test_a_handlers_own_statement_begins_the_transaction_that_a_failed_close_rolls_back(
    tables: asyncpg.Pool,
) -> None:
    logged = LoggedPool(tables)
    pipeline = thing_pipeline(logged, direct_write=True)
    await thing_pipeline(logged).process_batch([thing_record("warm", "warm", 0)])
    logged.statements.clear()
    await pipeline.process_batch([thing_record("1", "a", 0)])
    assert logged.statements[:3] == [
        "SELECT name FROM thing_log WHERE name = ",
        "BEGIN;",
        "INSERT INTO side (name) VALUES ($1)",
    ]
    assert logged.statements[-1] == "COMMIT;"
    # The replay's first attempt writes "a" and "b" to `side` before its closing statement
    # fails on the inbox: those writes must go with it.
    await pipeline.process_batch([thing_record("1", "a", 0), thing_record("2", "b", 1)])
    assert await _names(tables, "side") == ["a", "b"]
    assert await _outputs(tables) == ["done-warm", "done-1", "done-2"]


async def test_two_instances_handling_the_same_batch_at_once_decide_it_once(
    tables: asyncpg.Pool,
) -> None:
    """A rebalance can hand a partition over while its old owner is still in a batch."""
    records = [thing_record(f"{n}", f"n{n}", offset=n) for n in range(20)]
    await asyncio.gather(
        thing_pipeline(tables).process_batch(records), thing_pipeline(tables).process_batch(records)
    )
    assert await _names(tables, "thing_log") == sorted(f"n{n}" for n in range(20))
    assert sorted(await _outputs(tables)) == sorted(f"done-{n}" for n in range(20))
