"""When did the last confirmation mail reach the SMTP sink? Reads `make run`'s mail folder
(one `<UTC stamp>-<seq>.eml` per mail, see notification/entrypoints/mail_sink.py) or any other
`MailSource`."""

import asyncio
import os
import time
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from bench.config import MailSource


class MailFolder:
    """Mail files written since `since` (epoch seconds); each file is read once."""

    def __init__(self, folder: Path, since: float) -> None:
        self._folder, self._since = folder, since
        self._read: set[str] = set()
        self._received: dict[str, float | None] = {}

    def received(self) -> dict[str, float | None]:
        if not self._folder.is_dir():
            return self._received
        for entry in os.scandir(self._folder):
            name = entry.name
            if not name.endswith(".eml") or name.startswith(".") or name in self._read:
                continue
            self._read.add(name)
            stamp = _stamp(name)
            if stamp is None or stamp < self._since:
                continue
            with open(entry.path, "rb") as file:
                headers = BytesHeaderParser(policy=default).parse(file)
            for _, address in getaddresses([str(headers.get("To", ""))]):
                self._received.setdefault(address.lower(), stamp)
        return self._received


def _stamp(name: str) -> float | None:
    try:
        when = datetime.strptime(name.split("-", 1)[0], "%Y%m%dT%H%M%S.%fZ")
    except ValueError:
        return None
    return when.replace(tzinfo=UTC).timestamp()


async def wait_for_mail(
    source: MailSource, recipients: set[str], started: float, timeout: float
) -> dict[str, Any]:
    """Polls until every recipient has mail or `timeout` passes; times count from `started`."""
    arrived: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while len(arrived) < len(recipients) and time.monotonic() < deadline:
        received = await asyncio.to_thread(source.received)
        now = time.time()
        for address, stamp in received.items():
            if address in recipients:
                arrived.setdefault(address, stamp if stamp is not None else now)
        if len(arrived) < len(recipients):
            await asyncio.sleep(0.5)
    complete = len(arrived) == len(recipients)
    return {
        "confirmations": len(recipients),
        "confirmation_mails_received": len(arrived),
        "last_confirmation_mail_s": round(max(arrived.values()) - started, 2)
        if complete and arrived
        else None,
        "gave_up_after_s": timeout if not complete else None,
    }
