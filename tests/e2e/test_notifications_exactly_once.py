"""A mail and its notification.sent when the notification service is SIGKILLed mid-send.

A real SMTP server (aiosmtpd) holds the DATA of the attendee's mail until the test has killed
the real notification process; the service is then restarted. Two windows:
- the relay had taken the whole mail (it accepts it after the kill): the attendee gets it a
  second time, with the same Message-ID, so mail systems recognise the copy; one
  notification.sent. This is the window the README states (between the relay's acceptance and
  our commit).
- the relay had not accepted it (it drops it after the kill): the attendee gets it exactly once.
Both are recognised on restart through the in-flight row committed before the send.
"""

import asyncio
import email
import email.policy
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller

from notification.config import Settings
from tests.e2e.kafka_io import Producer, Tail, eventually
from tests.e2e.mailbox import free_port
from tests.e2e.scenario import attendee, conference, new_event_id, publish_event, sign_up
from tests.e2e.services import ServiceProcess

BACKLOG_SECONDS = 240.0  # mails queue behind what earlier runs left in the shared database


class HoldingRelay:
    """Holds its answer to the DATA of mails to an address in `hold` until the client is gone
    (aiosmtpd cancels the handler when the connection drops). With keep=True it has taken the
    mail before that (the relay's queue has it; only the 250 did not reach the sender), with
    keep=False it never takes it (as when the connection breaks before the final ".")."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[EmailMessage] = []
        self.hold: dict[str, bool] = {}  # address → take the mail before holding?
        self.holding = threading.Event()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        [address] = envelope.rcpt_tos
        keep = self.hold.pop(address, None)
        if keep is not False:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            self.received.append(message)
        if keep is None:
            return "250 OK"
        self.holding.set()
        try:
            await asyncio.sleep(120)  # cancelled once the notification process is killed
        finally:
            self.holding.clear()
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in list(self.received) if address in str(m["To"])]

    def __enter__(self) -> "HoldingRelay":
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


@pytest.fixture
def relay(services: dict[str, ServiceProcess]) -> Iterator[HoldingRelay]:
    """The notification service, restarted to send through the holding relay; put back after."""
    notification = services["notification"]
    normal = dict(notification.env)
    with HoldingRelay() as holding:
        notification.stop()
        notification.env = {**normal, "TILMELD_SMTP_PORT": str(holding.port)}
        notification.restart()
        try:
            yield holding
        finally:
            notification.stop()
            notification.env = normal
            notification.restart()


def plain(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def _in_flight(registration_id: str) -> int:
    conn = await asyncpg.connect(Settings().notification_db)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM mail_in_flight f JOIN mail_jobs j ON j.id = f.job_id"
                " WHERE j.registration_id = $1 AND j.status = 'pending'",
                registration_id,
            )
        )
    finally:
        await conn.close()


async def _killed_mid_send(
    relay: HoldingRelay,
    notification: ServiceProcess,
    person: Any,
    outcomes: Tail,
    event_id: str,
    keep: bool,
) -> str:
    relay.hold[person["email"]] = keep
    await eventually(relay.holding.is_set, timeout=BACKLOG_SECONDS, what="the held DATA")

    def facts() -> list[dict[str, Any]]:
        return [
            e
            for e in outcomes.events(event_id)
            if e["data"]["attendee"]["email"] == person["email"]
        ]

    await eventually(lambda: bool(facts()), what="the outcome fact")
    [fact] = facts()
    registration_id = str(fact["data"]["registration_id"])
    assert await _in_flight(registration_id) == 1, "marked in flight before the relay answered"
    notification.kill()
    notification.restart()
    return registration_id


async def test_killed_between_send_and_commit(
    producer: Producer,
    outcomes: Tail,
    notifications: Tail,
    relay: HoldingRelay,
    services: dict[str, ServiceProcess],
) -> None:
    event_id = new_event_id("killed")
    await publish_event(producer, conference(event_id, capacity=10))
    accepted, dropped, sentinel = (attendee(n, domain=f"{event_id}.dk") for n in (1, 2, 3))
    notification = services["notification"]

    await sign_up(producer, event_id, accepted)
    first = await _killed_mid_send(relay, notification, accepted, outcomes, event_id, keep=True)
    await eventually(
        lambda: len(relay.to(accepted["email"])) == 2, timeout=BACKLOG_SECONDS, what="the resend"
    )
    await sign_up(producer, event_id, dropped)
    second = await _killed_mid_send(relay, notification, dropped, outcomes, event_id, keep=False)
    await sign_up(producer, event_id, sentinel)
    await eventually(
        lambda: len(relay.to(sentinel["email"])) == 1,
        timeout=BACKLOG_SECONDS,
        what="the sentinel's mail",
    )

    copies = relay.to(accepted["email"])
    assert {m["Message-ID"] for m in copies} == {copies[0]["Message-ID"]}, "one Message-ID"
    bodies = {plain(m) for m in copies}
    assert len(bodies) == 1 and "Deltager 1" in bodies.pop()
    assert len(relay.to(dropped["email"])) == 1, "never zero, and once"
    await eventually(lambda: len(notifications.events(event_id)) >= 3, what="notification.sent")
    sent = notifications.events(event_id)
    assert {e["type"] for e in sent} == {"dk.tilmeld.notification.sent.v1"}
    per_registration = [e["data"]["registration_id"] for e in sent]
    assert per_registration.count(first) == 1 and per_registration.count(second) == 1
    assert {e["data"]["message_id"] for e in sent if e["data"]["registration_id"] == first} == {
        copies[0]["Message-ID"]
    }
