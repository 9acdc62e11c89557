"""One mail job → rendered message (+ calendar, + signed links) → SMTP, with quick retries;
the outcome decides the job."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from email.message import Message
from email.utils import parseaddr
from typing import Protocol

from tenacity import (
    AsyncRetrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from notification.adapters.ics import to_ics
from notification.adapters.jobs_table import MailJob
from notification.adapters.link_signer import LinkSigner
from notification.adapters.message import build_message, calendar_attachment, message_id_for
from notification.adapters.rendering import TemplateRenderer
from notification.adapters.smtp import PermanentSendError, TransientSendError
from notification.service.mail_content import content_of

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sent:
    message_id: str


@dataclass(frozen=True)
class Failed:
    reason: str
    detail: str


@dataclass(frozen=True)
class TryLater:
    detail: str


Outcome = Sent | Failed | TryLater


class Sender(Protocol):
    async def send(self, message: Message, sender: str, recipient: str) -> None: ...

    async def close(self) -> None: ...


class Delivery:
    def __init__(
        self,
        sender: Sender,
        renderer: TemplateRenderer,
        *,
        mail_from: str,
        clock: Callable[[], datetime],
        send_attempts: int = 3,
        first_wait: float = 0.5,
        longest_wait: float = 5.0,
        signer: LinkSigner | None = None,
    ) -> None:
        self._sender, self._renderer, self._clock = sender, renderer, clock
        self._mail_from, self._envelope_from = mail_from, parseaddr(mail_from)[1]
        self._send_attempts, self._first_wait, self._longest_wait = (
            send_attempts,
            first_wait,
            longest_wait,
        )
        self._signer = signer or LinkSigner("dev-link-secret-change-me", "http://127.0.0.1:8081")

    async def close(self) -> None:
        await self._sender.close()

    async def deliver(self, job: MailJob) -> Outcome:
        try:
            message = self.message(job)
        except Exception as error:  # a template or data bug must not hold the queue forever
            log.exception("cannot render mail job %s", job.id)
            return Failed("render_failed", repr(error)[:2000])
        try:
            await self._send(message, job.recipient)
        except TransientSendError as error:
            return TryLater(str(error))
        except PermanentSendError as error:
            return Failed(error.reason, error.detail)
        except Exception as error:  # unforeseen: retry (bounded) rather than loop on this job
            log.exception("unexpected error sending mail job %s", job.id)
            return TryLater(repr(error)[:2000])
        return Sent(str(message["Message-ID"]))

    def message(self, job: MailJob) -> Message:
        content = content_of(job)
        view = content.view
        if content.links and job.registration_id:
            view = replace(
                view,
                links=self._signer.lines(
                    content.links, job.registration_id, job.event_id, view.language
                ),
            )
        now = self._clock()
        attachments = [
            calendar_attachment(
                invitation.method,
                to_ics(
                    invitation,
                    sequence=job.seq,
                    stamp=now,
                    organiser_name=view.organiser or "Tilmeld",
                    mail_from=self._mail_from,
                    attendee_email=job.recipient,
                    attendee_name=content.recipient_name,
                ),
            )
            for invitation in content.invitations
        ]
        return build_message(
            self._renderer.render(view),
            sender=self._mail_from,
            to_address=job.recipient,
            to_name=content.recipient_name,
            message_id=message_id_for(job.id),
            date=now,
            attachments=attachments,
        )

    async def _send(self, message: Message, recipient: str) -> None:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(TransientSendError),
            stop=stop_after_attempt(self._send_attempts),
            # Exponential backoff plus up to one first wait of jitter, so that mails that failed
            # together (a relay hiccup) do not retry in lockstep.
            wait=wait_exponential(multiplier=self._first_wait, max=self._longest_wait)
            + wait_random(0, self._first_wait),
            before_sleep=before_sleep_log(log, logging.WARNING),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._sender.send(message, self._envelope_from, recipient)
