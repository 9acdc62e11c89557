"""One SMTP connection carries consecutive mails; errors, idleness and a relay that hangs up
each start a fresh one (real aiosmtpd)."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from notification.adapters.message import build_message
from notification.adapters.rendering import RenderedMail
from notification.adapters.smtp import PermanentSendError, SmtpSender

from .conftest import free_port

MAIL = build_message(
    RenderedMail(subject="Bekræftelse", language="da", text="Hej", html="<p>Hej</p>"),
    sender="Tilmeld <t@tilmeld.dk>",
    to_address="a@b.dk",
    to_name="Åse",
    message_id="<m@tilmeld>",
    date=datetime(2026, 9, 1, tzinfo=UTC),
)


class Relay:
    """Counts connections (EHLOs) and which connection carried each mail."""

    def __init__(self) -> None:
        self.connections = 0
        self.mails: list[tuple[int, str]] = []
        self.refuse: set[str] = set()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.number = self.connections
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((session.number, envelope.rcpt_tos[0]))
        return "250 OK"


def _relay(**server: Any) -> Iterator[tuple[Relay, int]]:
    relay, port = Relay(), free_port()
    controller = Controller(relay, hostname="127.0.0.1", port=port, **server)
    controller.start()
    try:
        yield relay, port
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Iterator[tuple[Relay, int]]:
    yield from _relay()


@pytest.fixture
def impatient_relay() -> Iterator[tuple[Relay, int]]:
    yield from _relay(timeout=0.3)  # hangs up on a connection idle for 0.3 s


async def test_consecutive_mails_share_one_connection(relay: tuple[Relay, int]) -> None:
    smtp, port = relay
    sender = SmtpSender("127.0.0.1", port)
    for i in range(3):
        await sender.send(MAIL, "t@tilmeld.dk", f"p{i}@b.dk")
    await sender.close()
    assert smtp.mails == [(1, "p0@b.dk"), (1, "p1@b.dk"), (1, "p2@b.dk")]


async def test_a_refusal_closes_the_connection_and_the_next_mail_goes_through(
    relay: tuple[Relay, int],
) -> None:
    smtp, port = relay
    smtp.refuse.add("gone@b.dk")
    sender = SmtpSender("127.0.0.1", port)
    await sender.send(MAIL, "t@tilmeld.dk", "p0@b.dk")
    with pytest.raises(PermanentSendError):
        await sender.send(MAIL, "t@tilmeld.dk", "gone@b.dk")
    await sender.send(MAIL, "t@tilmeld.dk", "p1@b.dk")
    await sender.close()
    assert smtp.mails == [(1, "p0@b.dk"), (2, "p1@b.dk")]


async def test_idle_or_worn_connections_are_replaced(relay: tuple[Relay, int]) -> None:
    smtp, port = relay
    sender = SmtpSender("127.0.0.1", port, idle_seconds=0.2, mails_per_connection=2)
    for i in range(3):  # the third mail: a new connection (two per connection)
        await sender.send(MAIL, "t@tilmeld.dk", f"p{i}@b.dk")
    await asyncio.sleep(0.3)  # idle longer than allowed: a new connection
    await sender.send(MAIL, "t@tilmeld.dk", "p3@b.dk")
    await sender.close()
    assert [number for number, _ in smtp.mails] == [1, 1, 2, 3]


async def test_a_relay_that_hung_up_on_an_idle_connection_costs_nothing(
    impatient_relay: tuple[Relay, int],
) -> None:
    smtp, port = impatient_relay
    sender = SmtpSender("127.0.0.1", port)
    await sender.send(MAIL, "t@tilmeld.dk", "p0@b.dk")
    await asyncio.sleep(0.6)
    await sender.send(MAIL, "t@tilmeld.dk", "p1@b.dk")
    await sender.close()
    assert smtp.mails == [(1, "p0@b.dk"), (2, "p1@b.dk")]
