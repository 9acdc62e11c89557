"""The MIME message of one mail: plain text and HTML as multipart/alternative."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

from notification.adapters.rendering import RenderedMail


@dataclass(frozen=True)
class Attachment:
    """A file sent along. Text (str) goes as UTF-8 with `params` on its Content-Type, e.g.
    `text/calendar; method=REQUEST` for a calendar invitation."""

    filename: str
    maintype: str
    subtype: str
    content: bytes | str
    params: tuple[tuple[str, str], ...] = ()


def calendar_attachment(method: str, ics: str) -> Attachment:
    name = "invitation.ics" if method == "REQUEST" else "cancellation.ics"
    return Attachment(name, "text", "calendar", ics, (("method", method),))


def message_id_for(job_id: UUID) -> str:
    """Deterministic per job: a mail sent twice (crash between send and commit) is recognisable
    as the same mail by the recipient's client and by anyone reading relay logs."""
    return f"<{job_id}@tilmeld>"


def build_message(
    mail: RenderedMail,
    *,
    sender: str,
    to_address: str,
    to_name: str | None,
    message_id: str,
    date: datetime,
    attachments: Sequence[Attachment] = (),
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    # Names come from web forms: never let one break a header line.
    display_name = " ".join((to_name or "").split())
    message["To"] = Address(display_name=display_name, addr_spec=to_address)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to us
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in attachments:  # turns the message into multipart/mixed
        if isinstance(attachment.content, str):
            message.add_attachment(
                attachment.content,
                subtype=attachment.subtype,
                filename=attachment.filename,
                params=dict(attachment.params),
            )
        else:
            message.add_attachment(
                attachment.content,
                maintype=attachment.maintype,
                subtype=attachment.subtype,
                filename=attachment.filename,
                params=dict(attachment.params),
            )
    # After the parts: making the alternative (or the mixed) moves every Content-* header into
    # the first part.
    message["Content-Language"] = mail.language
    return message
