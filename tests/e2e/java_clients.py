"""Kafka's own Java console clients, from the jars deploy/local/infra.sh resolved from Maven
Central: what a municipality's JVM systems send and read, with the Java client's defaults and
codecs rather than aiokafka's."""

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.kafka_io import BOOTSTRAP
from tests.e2e.services import ROOT

KAFKA_LIB = Path(os.environ.get("TILMELD_STATE_DIR", ROOT / ".run")) / "kafka" / "lib"
# Short-lived JVMs: the client tier of the JIT is all a few records need.
_JVM = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m"]
_PRODUCER = "kafka.tools.ConsoleProducer"
_CONSUMER = "org.apache.kafka.tools.consumer.ConsoleConsumer"
# Separators of the console clients' line format that never occur in our JSON or header values.
_FIELDS, _HEADERS, _HEADER_KEY = "\t", ";", "="
NULL = "<null>"  # the console producer's marker for a null value or header value


@dataclass(frozen=True)
class JavaRecord:
    key: str
    value: str
    headers: dict[str, str]


async def _java(main: str, args: list[str], stdin: str = "", timeout: float = 60.0) -> str:
    process = await asyncio.create_subprocess_exec(
        "java",
        *_JVM,
        "-cp",
        f"{KAFKA_LIB}/*",
        main,
        "--bootstrap-server",
        BOOTSTRAP,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout)
    if process.returncode != 0:
        raise AssertionError(f"{main} exited {process.returncode}: {err.decode()[-2000:]}")
    return out.decode()


async def produce(
    topic: str,
    records: list[tuple[str, str, dict[str, str]]],
    *,
    compression: str = "none",
) -> None:
    """Send (key, value, headers) records with the Java producer, one batch, acks=all. A value
    or header value of `NULL` is sent as null."""
    lines = []
    for key, value, headers in records:
        header_text = _HEADERS.join(f"{k}{_HEADER_KEY}{v}" for k, v in headers.items())
        lines.append(_FIELDS.join([header_text, key, value]))
    await _java(
        _PRODUCER,
        [
            "--topic",
            topic,
            "--compression-codec",
            compression,
            "--request-required-acks",
            "all",
            "--property",
            "parse.key=true",
            "--property",
            "parse.headers=true",
            "--property",
            f"headers.separator={_HEADERS}",
            "--property",
            f"headers.key.separator={_HEADER_KEY}",
            "--property",
            f"null.marker={NULL}",
        ],
        stdin="\n".join(lines) + "\n",
    )


async def consume(topic: str, partition: int, offset: int, count: int) -> list[JavaRecord]:
    """`count` records from one partition with the Java consumer, read_committed."""
    out = await _java(
        _CONSUMER,
        [
            "--topic",
            topic,
            "--partition",
            str(partition),
            "--offset",
            str(offset),
            "--max-messages",
            str(count),
            "--timeout-ms",
            "30000",
            "--isolation-level",
            "read_committed",
            "--property",
            "print.key=true",
            "--property",
            "print.headers=true",
            "--property",
            f"headers.separator={_HEADERS}",
        ],
    )
    found = []
    for line in out.splitlines():
        header_text, key, value = line.split(_FIELDS, 2)
        pairs = [] if header_text == "NO_HEADERS" else header_text.split(_HEADERS)
        # The formatter's name-value separator is fixed: ":" (names have none).
        headers = dict(h.split(":", 1) for h in pairs)
        found.append(JavaRecord(key, value, headers))
    return found
