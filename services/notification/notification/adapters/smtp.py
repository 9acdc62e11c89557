"""Sending over SMTP (aiosmtplib), and sorting failures into "try again later" and "never"."""

import asyncio
import contextlib
import time
from email import policy
from email.message import Message
from typing import Any

import aiosmtplib
from aiosmtplib import errors


class TransientSendError(Exception):
    """The relay is away or said 4xx: the same mail may well go through later."""


class PermanentSendError(Exception):
    """The relay said 5xx to this mail or recipient: sending it again gives the same answer."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


class SmtpSender:
    """Sends over one SMTP connection kept between mails: a new connection per mail (DNS lookup
    in a thread, connect, EHLO, QUIT) cost more CPU on both sides than the mail itself. The
    connection is closed after any error (the next mail starts clean; a failed mail is retried
    by the caller), after `idle_seconds` without a mail (before a relay's own timeout drops it)
    and after `mails_per_connection` mails (relays limit those)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        starttls: bool = False,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        idle_seconds: float = 10.0,
        mails_per_connection: int = 100,
    ) -> None:
        self.host, self.port, self.starttls, self.timeout = host, port, starttls, timeout
        self._user, self._password = user, password
        self._idle_seconds, self._mails_per_connection = idle_seconds, mails_per_connection
        self._client: aiosmtplib.SMTP | None = None
        self._mails = 0
        self._last_used = 0.0
        self._lock = asyncio.Lock()

    async def send(self, message: Message, sender: str, recipient: str) -> None:
        utf8 = not (sender + recipient).isascii()
        async with self._lock:
            try:
                await self._send(message, sender, recipient, utf8)
            except BaseException:
                # Whatever failed (a refusal, a reset, a cancellation mid-DATA), the session's
                # state is not known: drop it without QUIT; the next mail starts clean.
                self._drop()
                raise
            self._mails += 1
            self._last_used = time.monotonic()

    async def close(self) -> None:
        """End the session politely (QUIT), e.g. when the mailer stops."""
        client = self._client
        if client is not None and client.is_connected:
            with contextlib.suppress(errors.SMTPException, OSError, asyncio.TimeoutError):
                await asyncio.wait_for(client.quit(), 2.0)
        self._drop()

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def _send(self, message: Message, sender: str, recipient: str, utf8: bool) -> None:
        try:
            client = await self._connection()
            await client.sendmail(
                sender,
                [recipient],
                flatten(message, utf8=utf8),
                mail_options=["SMTPUTF8"] if utf8 else None,
            )
        except errors.SMTPRecipientsRefused as error:
            raise _classified(error.recipients[0], "recipient_refused") from error
        except errors.SMTPAuthenticationError as error:
            # Wrong credentials are our configuration, not this mail's fault: keep it for later.
            raise TransientSendError(_describe(error)) from error
        except errors.SMTPResponseException as error:
            raise _classified(error, "message_refused") from error
        except (errors.SMTPException, OSError) as error:  # connection refused, reset, timeout
            raise TransientSendError(_describe(error)) from error

    async def _connection(self) -> aiosmtplib.SMTP:
        worn = self._mails >= self._mails_per_connection
        idle = time.monotonic() - self._last_used > self._idle_seconds
        if self._client is not None and (worn or idle or not self._client.is_connected):
            await self.close()
        if self._client is None:
            client = aiosmtplib.SMTP(
                hostname=self.host,
                port=self.port,
                start_tls=self.starttls,
                username=self._user,
                password=self._password,
                timeout=self.timeout,
            )
            await client.connect()
            self._client, self._mails = client, 0
        return self._client


def flatten(message: Message, *, utf8: bool = False) -> bytes:
    """The message as sent, lines ending CRLF. `build_message` writes headers finished and
    folded, so the generator only passes them through (no limit of its own: Python's refolding
    of a long subject with a non-ASCII word leaves a space on both sides of the fold, and the
    attendee would read "dagtilbud af  høj kvalitet"). An internationalised address (SMTPUTF8)
    needs the modern policy, which writes its raw UTF-8 header as it is."""
    if utf8:
        return message.as_bytes(policy=_SMTPUTF8_AS_IS)
    return message.as_bytes(policy=AS_WRITTEN)


class _AsWritten(policy.Compat32):
    """compat32 that writes an ASCII header as `build_message` finished it: one line, or folded
    lines that each go on with a space or tab. compat32 refolds every header through
    `email.header.Header` even when there is nothing left to do: ~70 % of flattening a mail
    (~400 against ~110-160 µs), in the process that sends a rush's mail next to the decisions.
    The bytes are the same (tests/test_message_on_the_wire.py compares them). Anything else goes
    to compat32 as before, which refuses a value that would start a header of its own."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and value.isascii():
            lines = value.splitlines()
            continued = all(line[:1] in (" ", "\t") for line in lines[1:])
            if continued and (len(lines) < 2 or not any(line[-1:].isspace() for line in lines)):
                return f"{name}: {self.linesep.join(lines)}{self.linesep}".encode()
        return super().fold_binary(name, value)


AS_WRITTEN = _AsWritten(linesep="\r\n", max_line_length=0)
# What the standard library writes, for comparison in the tests.
SMTP_REFOLDED = policy.compat32.clone(linesep="\r\n", max_line_length=0)
_SMTPUTF8_AS_IS = policy.SMTPUTF8.clone(max_line_length=998)


def _classified(error: errors.SMTPResponseException, permanent_reason: str) -> Exception:
    if 500 <= error.code < 600:
        return PermanentSendError(permanent_reason, _describe(error))
    return TransientSendError(_describe(error))


def _describe(error: Exception) -> str:
    if isinstance(error, errors.SMTPResponseException):
        return f"{error.code} {error.message}"
    return f"{type(error).__name__}: {error}"
