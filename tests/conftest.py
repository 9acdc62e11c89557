"""Fixtures for the cross-service tests: the real broker and databases (started by `make test`),
the three services as processes, and a real SMTP server receiving their mail."""

import fcntl
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.e2e.kafka_io import Producer, Tail
from tests.e2e.mailbox import Mailbox
from tests.e2e.services import ServiceProcess
from tilmeld_contracts import topics


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start()
    yield box
    box.stop()


# The services listen on fixed ports and share consumer groups: two test runs on one machine
# must take turns.
E2E_LOCK = Path("/tmp/tilmeld-e2e.lock")


@pytest.fixture(scope="session")
def e2e_turn() -> Iterator[None]:
    with E2E_LOCK.open("w") as lock:
        deadline = time.monotonic() + 900
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test run holds {E2E_LOCK} for 15 minutes")
                time.sleep(1)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def spans_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the services write their OpenTelemetry spans, one JSON line each."""
    return tmp_path_factory.mktemp("spans")


@pytest.fixture(scope="session")
def services(
    mailbox: Mailbox, e2e_turn: None, spans_dir: Path
) -> Iterator[dict[str, ServiceProcess]]:
    # The test SMTP server takes mail as fast as it comes; the production default (20/s) would
    # only make tests wait behind each other's mail.
    env = {
        "TILMELD_SMTP_PORT": str(mailbox.port),
        "TILMELD_LOG_LEVEL": "INFO",
        "TILMELD_MAIL_RATE_PER_SECOND": "500",
        "TILMELD_OTEL_EXPORTER": f"file:{spans_dir}",
    }
    running = {
        name: ServiceProcess(name, env) for name in ("registration", "capacity", "notification")
    }
    for service in running.values():
        service.start()
    try:
        for service in running.values():
            service.wait_ready()
        yield running
    finally:
        for service in running.values():
            service.stop()


@pytest.fixture
async def producer() -> AsyncIterator[Producer]:
    async with Producer() as p:
        yield p


async def _tail(topic: str) -> Tail:
    return await Tail(topic).start()


@pytest.fixture
async def outcomes(services: dict[str, ServiceProcess]) -> AsyncIterator[Tail]:
    tail = await _tail(topics.REGISTRATIONS)
    yield tail
    await tail.stop()


@pytest.fixture
async def deadletters(services: dict[str, ServiceProcess]) -> AsyncIterator[Tail]:
    tail = await _tail(topics.DEADLETTER)
    yield tail
    await tail.stop()


@pytest.fixture
async def notifications(services: dict[str, ServiceProcess]) -> AsyncIterator[Tail]:
    tail = await _tail(topics.NOTIFICATIONS)
    yield tail
    await tail.stop()
