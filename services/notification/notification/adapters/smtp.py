"""Sending over SMTP (aiosmtplib), and sorting failures into "try again later" and "never"."""

from dataclasses import dataclass
from email import policy
from email.message import Message

import aiosmtplib
from aiosmtplib import errors


class TransientSendError(Exception):
    """The relay is away or said 4xx: the same mail may well go through later."""


class PermanentSendError(Exception):
    """The relay said 5xx to this mail or recipient: sending it again gives the same answer."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    async def send(self, message: Message, sender: str, recipient: str) -> None:
        utf8 = not (sender + recipient).isascii()
        try:
            await aiosmtplib.send(
                flatten(message, utf8=utf8),
                sender=sender,
                recipients=[recipient],
                hostname=self.host,
                port=self.port,
                start_tls=self.starttls,
                username=self.user,
                password=self.password,
                timeout=self.timeout,
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


def flatten(message: Message, *, utf8: bool = False) -> bytes:
    """The message as sent, lines ending CRLF. `build_message` writes headers finished and
    folded, so the generator only passes them through (no limit of its own: Python's refolding
    of a long subject with a non-ASCII word leaves a space on both sides of the fold, and the
    attendee would read "dagtilbud af  høj kvalitet"). An internationalised address (SMTPUTF8)
    needs the modern policy, which writes its raw UTF-8 header as it is."""
    if utf8:
        return message.as_bytes(policy=_SMTPUTF8_AS_IS)
    return message.as_bytes(policy=_SMTP_AS_IS)


_SMTP_AS_IS = policy.compat32.clone(linesep="\r\n", max_line_length=0)
_SMTPUTF8_AS_IS = policy.SMTPUTF8.clone(max_line_length=998)


def _classified(error: errors.SMTPResponseException, permanent_reason: str) -> Exception:
    if 500 <= error.code < 600:
        return PermanentSendError(permanent_reason, _describe(error))
    return TransientSendError(_describe(error))


def _describe(error: Exception) -> str:
    if isinstance(error, errors.SMTPResponseException):
        return f"{error.code} {error.message}"
    return f"{type(error).__name__}: {error}"
