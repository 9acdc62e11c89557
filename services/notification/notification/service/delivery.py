"""One mail job → rendered message → SMTP, with quick retries; the outcome decides the job."""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any, Protocol

from tenacity import (
    AsyncRetrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from notification.adapters.jobs_table import MailJob
from notification.adapters.message import build_message, message_id_for
from notification.adapters.rendering import TemplateRenderer
from notification.adapters.smtp import PermanentSendError, TransientSendError
from notification.domain.compose import compose
from notification.domain.kinds import MAIL_KIND_BY_FACT_TYPE
from notification.domain.recipient import Recipient, recipient_of
from tilmeld_contracts.catalog.v1 import EventDefinition
from tilmeld_contracts.registry import DATA_MODELS

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
    async def send(self, message: EmailMessage, sender: str, recipient: str) -> None: ...


class Delivery:
    def __init__(
        self, sender: Sender, renderer: TemplateRenderer, *, mail_from: str,
        clock: Callable[[], datetime], send_attempts: int = 3,
        first_wait: float = 0.5, longest_wait: float = 5.0,
    ) -> None:
        self._sender, self._renderer, self._clock = sender, renderer, clock
        self._mail_from, self._envelope_from = mail_from, parseaddr(mail_from)[1]
        self._send_attempts, self._first_wait, self._longest_wait = (
            send_attempts, first_wait, longest_wait)

    async def deliver(self, job: MailJob) -> Outcome:
        try:
            message = self._message(job)
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

    def _message(self, job: MailJob) -> EmailMessage:
        kind = MAIL_KIND_BY_FACT_TYPE[job.fact_type]
        fact: Any = DATA_MODELS[job.fact_type].model_validate(job.fact)
        definition = job.event_definition
        event = EventDefinition.model_validate(definition) if definition is not None else None
        # The job holds the address checked when the fact came in; name and language are here.
        recipient = recipient_of(fact.attendee) or Recipient(job.recipient, None, None)
        view = compose(kind, fact, recipient, event, job.event_cancel_reason)
        # The place for the calendar invitation (.ics) of a later issue: attachments=[...].
        return build_message(
            self._renderer.render(view), sender=self._mail_from, to_address=job.recipient,
            to_name=recipient.name, message_id=message_id_for(job.id), date=self._clock(),
        )

    async def _send(self, message: EmailMessage, recipient: str) -> None:
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
