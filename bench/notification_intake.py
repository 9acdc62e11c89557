"""Measures the intake of tilmeld.registrations (not a test: run it by hand).

Feeds a sign-up rush's outcome facts through the real pipeline, in batches as the consumer
fetches them, on a PostgreSQL schema of its own; prints what PostgreSQL executed for it
(pg_stat_statements, this role only), the NOTIFYs the mailer and webhook sender would wake on,
and the CPU spent per fact by this process (the service's Python side) and by its database
backend.

    .venv/bin/python bench/notification_intake.py --facts 2000 --batch 500

To measure another version of the service (before/after), put its package first on PYTHONPATH
(e.g. `git archive <commit> services/notification/notification | tar -x -C /tmp/old` and
PYTHONPATH=/tmp/old/services/notification); one without `prepare_facts` runs without it.
"""

import argparse
import asyncio
import collections
import os
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from aiokafka.structs import ConsumerRecord

from notification.bootstrap import MIGRATIONS
from notification.service import registrations
from tilmeld_contracts import topics
from tilmeld_contracts.registration import v1 as registration
from tilmeld_runtime.db import migrate
from tilmeld_runtime.pipeline import Pipeline

# A superuser connection: pg_stat_statements is filtered on this role, which the services do
# not use, so a concurrent test run does not blur the figures.
DSN = os.environ.get("MEASURE_DSN", "postgresql://postgres:postgres@127.0.0.1:55432/notification")
_TICKS = os.sysconf("SC_CLK_TCK")


def _fact(kind: str, registration_id: str, n: int) -> tuple[str, dict[str, Any]]:
    data: dict[str, Any] = {
        "registration_id": registration_id,
        "event_id": "maaling-konference",
        "request_source": "urn:kl:website",
        "request_id": f"request-{registration_id}",
        "attendee": {
            "name": f"Deltager {n}",
            "email": f"deltager{n}@aarhus.dk",
            "organisation": "Aarhus Kommune",
            "municipality_code": "751",
        },
    }
    if kind in ("confirmed", "promoted", "session_changed"):
        data["sessions"] = {"runde-1": "temamoede-1", "runde-2": "temamoede-3"}
    if kind == "waitlisted":
        data["position"] = n
    if kind == "cancelled":
        data["reason"] = "by_attendee"
    return {
        "confirmed": registration.CONFIRMED,
        "waitlisted": registration.WAITLISTED,
        "promoted": registration.PROMOTED,
        "session_changed": registration.SESSION_CHANGED,
        "cancelled": registration.CANCELLED,
    }[kind], data


def workload(count: int) -> list[ConsumerRecord[bytes, bytes]]:
    """A rush: mostly first outcomes (9 in 10 confirmed, 1 waitlisted); 1 in 20 facts is a
    later one (cancellation, session change, promotion) a few facts after its registration's."""
    facts: list[tuple[str, dict[str, Any]]] = []
    later: dict[int, tuple[str, dict[str, Any]]] = {}
    n = 0
    while len(facts) < count:
        if len(facts) in later:
            facts.append(later.pop(len(facts)))
            continue
        n += 1
        rid = str(uuid.uuid4())
        kind = "waitlisted" if n % 10 == 0 else "confirmed"
        facts.append(_fact(kind, rid, n))
        if n % 19 == 0:
            follow = {0: "cancelled", 1: "session_changed", 2: "promoted"}[n % 3]
            later[len(facts) + 3] = _fact(follow, rid, n)
    return [_record(type_, data, offset) for offset, (type_, data) in enumerate(facts[:count])]


def _record(type_: str, data: dict[str, Any], offset: int) -> ConsumerRecord[bytes, bytes]:
    value = orjson.dumps(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "urn:tilmeld:registration",
            "type": type_,
            "time": "2023-09-01T10:00:00Z",
            "subject": data["registration_id"],
            "data": data,
        }
    )
    key = data["event_id"].encode()
    headers = [("content-type", b"application/cloudevents+json")]
    return ConsumerRecord(
        topics.REGISTRATIONS, 0, offset, 0, 0, key, value, None, len(key), len(value), headers
    )


_STATEMENTS = """
SELECT queryid, calls, total_exec_time, rows, query FROM pg_stat_statements s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND s.userid = (SELECT oid FROM pg_roles WHERE rolname = current_user)
  AND s.query NOT ILIKE '%pg_stat_statements%'
"""


async def _statements(conn: asyncpg.Connection) -> dict[int, tuple[int, float, int, str]]:
    rows = await conn.fetch(_STATEMENTS)
    return {r["queryid"]: (r["calls"], r["total_exec_time"], r["rows"], r["query"]) for r in rows}


def _backend_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def measure(count: int, batch: int, subscribe: bool, existing: int) -> None:
    schema = f"measure_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(DSN)
    # The server preloads the module (deploy/local/infra.sh); its view needs the extension in
    # this database, which a fresh infra does not have yet.
    await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    await admin.execute(f"CREATE SCHEMA {schema}")
    pool = await asyncpg.create_pool(
        DSN, min_size=1, max_size=1, server_settings={"search_path": schema}
    )
    assert pool is not None
    listener = await asyncpg.connect(DSN)
    # NOTIFY is database-wide: count only those our connection sent.
    wakeups: collections.Counter[tuple[str, int]] = collections.Counter()
    try:
        await migrate(pool, MIGRATIONS)
        if subscribe:
            await pool.execute(
                "INSERT INTO webhook_subscriptions (id, url, secret)"
                " VALUES ('crm', 'http://127.0.0.1:9/hooks', 'measure-secret-0123456789')"
            )
        if existing:
            await pool.execute(
                "INSERT INTO registrations (registration_id, event_id, status, attendee)"
                " SELECT gen_random_uuid()::text, 'tidligere', 'confirmed', '{}'"
                " FROM generate_series(1, $1)",
                existing,
            )
            await pool.execute("ANALYZE registrations")
        for channel in ("mail_jobs", "webhook_deliveries"):
            await listener.add_listener(
                channel, lambda _c, pid, ch, _m: wakeups.update([(ch, pid)])
            )
        prepare = getattr(registrations, "prepare_facts", None)
        pipeline = Pipeline(
            pool, topics.REGISTRATIONS, registrations.registration_routes(), prepare=prepare
        )
        records = workload(count)
        backend = await pool.fetchval("SELECT pg_backend_pid()")  # the pool's one connection
        before = await _statements(admin)
        wall, cpu, pg_cpu = time.perf_counter(), time.process_time(), _backend_cpu_s(backend)
        for start in range(0, len(records), batch):
            await pipeline.process_batch(records[start : start + batch])
        wall = time.perf_counter() - wall
        cpu, pg_cpu = time.process_time() - cpu, _backend_cpu_s(backend) - pg_cpu
        after = await _statements(admin)
        await listener.fetchval("SELECT 1")  # notifications committed so far arrive before it
        jobs = await pool.fetchval("SELECT count(*) FROM mail_jobs")
        deliveries = await pool.fetchval("SELECT count(*) FROM webhook_deliveries")
    finally:
        await listener.close()
        await pool.close()
        await admin.execute(f"DROP SCHEMA {schema} CASCADE")
        await admin.close()
    ours = collections.Counter({ch: n for (ch, pid), n in wakeups.items() if pid == backend})
    _report(count, batch, subscribe, before, after, wall, cpu, pg_cpu, ours, jobs, deliveries)


def _report(
    count: int,
    batch: int,
    subscribe: bool,
    before: dict[int, tuple[int, float, int, str]],
    after: dict[int, tuple[int, float, int, str]],
    wall: float,
    cpu: float,
    pg_cpu: float,
    wakeups: collections.Counter[str],
    jobs: int,
    deliveries: int,
) -> None:
    print(f"{count} facts in batches of {batch}, webhook subscription: {subscribe}")
    print(f"mail jobs {jobs}, webhook deliveries {deliveries}")
    diff = []
    for queryid, (calls, ms, rows, query) in after.items():
        calls0, ms0, rows0, _ = before.get(queryid, (0, 0.0, 0, ""))
        if calls > calls0:
            diff.append((ms - ms0, calls - calls0, rows - rows0, " ".join(query.split())))
    diff.sort(reverse=True)
    print(f"{'calls':>7} {'ms':>9} {'rows':>7}  statement")
    for ms, calls, rows, query in diff[:14]:
        print(f"{calls:7d} {ms:9.1f} {rows:7d}  {query[:110]}")
    print(
        f"total: {sum(d[1] for d in diff)} statements, {sum(d[0] for d in diff):.0f} ms executing"
    )
    print(f"NOTIFY received: {dict(wakeups)}")
    print(
        f"wall {wall:.2f} s; CPU per fact: service {cpu / count * 1e3:.3f} ms,"
        f" database backend {pg_cpu / count * 1e3:.3f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--facts", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--subscribe", action="store_true", help="one webhook subscription")
    parser.add_argument(
        "--existing", type=int, default=0, help="registrations known before (earlier events)"
    )
    arguments = parser.parse_args()
    asyncio.run(measure(arguments.facts, arguments.batch, arguments.subscribe, arguments.existing))
