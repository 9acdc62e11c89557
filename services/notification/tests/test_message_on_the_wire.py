"""What a mail client reads from the bytes we send: Danish names, long subjects and
internationalised addresses survive the trip through a real SMTP server (aiosmtpd)."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_string
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.policy import default
from typing import Any, cast

import pytest
from aiosmtpd.controller import Controller

from notification.adapters.message import Attachment, build_message, calendar_attachment
from notification.adapters.rendering import RenderedMail
from notification.adapters.smtp import AS_WRITTEN, SMTP_REFOLDED, SmtpSender, flatten

from .conftest import free_port

SUBJECT = (
    "Bekræftelse af tilmelding: Konference om dagtilbud af høj kvalitet – børn, unge og "
    "fællesskaber i små og store kommuner, Odeon, Odense"
)
MAIL = RenderedMail(
    subject=SUBJECT,
    language="da",
    text="Kære Søren Ærø\n\nDu er tilmeldt. Vi glæder os til at se dig på Odeon.\n",
    html="<p>Kære Søren Ærø</p><p>Du er tilmeldt.</p>",
)


class Keeper:
    def __init__(self) -> None:
        self.raw: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.raw.append(envelope.original_content.decode("utf-8"))
        return "250 OK"


@pytest.fixture
def relay() -> Iterator[tuple[Keeper, int]]:
    keeper, port = Keeper(), free_port()
    controller = Controller(keeper, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield keeper, port
    finally:
        controller.stop()


async def _send_and_read(
    relay: tuple[Keeper, int], to_address: str, to_name: str, **extra: Any
) -> tuple[str, EmailMessage]:
    keeper, port = relay
    message = build_message(
        MAIL,
        sender="Børne- og Undervisningsministeriet <tilmeld@uvm.dk>",
        to_address=to_address,
        to_name=to_name,
        message_id="<a1@tilmeld>",
        date=datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
        **extra,
    )
    await SmtpSender("127.0.0.1", port).send(message, "tilmeld@uvm.dk", to_address)
    [raw] = keeper.raw
    return raw, cast(EmailMessage, message_from_string(raw, policy=default))


async def test_danish_names_and_a_long_subject_read_back_exactly(
    relay: tuple[Keeper, int],
) -> None:
    raw, mail = await _send_and_read(relay, "soren@aero.dk", 'Søren "Ærø" Ås,  Jensen')
    assert raw.isascii(), "an ASCII recipient gets a 7-bit mail"
    encoded_words = re.findall(r"=\?utf-8\?[bq]\?[^?]*\?=", raw)
    assert len(encoded_words) > 3 and all(len(word) <= 75 for word in encoded_words), "RFC 2047"
    assert mail["Subject"] == SUBJECT
    assert mail["From"].addresses[0].display_name == "Børne- og Undervisningsministeriet"
    [to] = mail["To"].addresses
    assert (to.display_name, to.addr_spec) == ('Søren "Ærø" Ås, Jensen', "soren@aero.dk")
    assert (mail["Date"], mail["Message-ID"]) == ("Tue, 01 Sep 2026 10:00:00 +0000", "<a1@tilmeld>")
    assert (mail["Auto-Submitted"], mail["Content-Language"]) == ("auto-generated", "da")
    body = mail.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == MAIL.text
    html = mail.get_body(("html",))
    assert html is not None and html.get_content().rstrip() == MAIL.html


async def test_an_internationalised_address_goes_as_smtputf8(relay: tuple[Keeper, int]) -> None:
    raw, mail = await _send_and_read(relay, "søren@æblegård.dk", "Søren Ærø")
    assert "<søren@æblegård.dk>" in raw, "the address itself raw UTF-8, never encoded-words"
    [to] = mail["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Søren Ærø", "søren@æblegård.dk")
    assert mail["Subject"] == SUBJECT


async def test_attachments_keep_their_type_parameters_and_name(relay: tuple[Keeper, int]) -> None:
    ics = "BEGIN:VCALENDAR\r\nSUMMARY:Temamøde om leg\r\nEND:VCALENDAR\r\n"
    pdf = Attachment("program.pdf", "application", "pdf", b"%PDF-1.4 \x00\xff")
    _, mail = await _send_and_read(
        relay, "a@b.dk", "A", attachments=[calendar_attachment("REQUEST", ics), pdf]
    )
    assert mail.get_content_type() == "multipart/mixed"
    calendar, document = mail.iter_attachments()
    assert (calendar.get_content_type(), calendar.get_filename()) == (
        "text/calendar",
        "invitation.ics",
    )
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content().replace("\r\n", "\n") == ics.replace("\r\n", "\n")
    assert (document.get_filename(), document.get_content()) == ("program.pdf", pdf.content)


async def test_our_boundaries_survive_a_text_that_quotes_them(relay: tuple[Keeper, int]) -> None:
    """The boundaries are ours (derived from the Message-ID), so no part may contain one: a text
    that writes them out literally still reads back as the same parts."""
    tricky = "Se vedhæftet.\n--=_alt_a1tilmeld\n--=_mix_a1tilmeld--\nHilsen KL\n"
    ics = "BEGIN:VCALENDAR\r\nSUMMARY:--=_mix_a1tilmeld\r\nEND:VCALENDAR\r\n"
    keeper, port = relay
    message = build_message(
        RenderedMail(subject="Prøve", language="da", text=tricky, html=f"<pre>{tricky}</pre>"),
        sender="tilmeld@uvm.dk",
        to_address="a@b.dk",
        to_name="A",
        message_id="<a1@tilmeld>",
        date=datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
        attachments=[calendar_attachment("REQUEST", ics)],
    )
    await SmtpSender("127.0.0.1", port).send(message, "tilmeld@uvm.dk", "a@b.dk")
    [raw] = keeper.raw
    mail = cast(EmailMessage, message_from_string(raw, policy=default))

    assert mail.get_boundary() == "=_mix_a1tilmeld"
    assert [p.get_content_type() for p in mail.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "text/calendar",
    ]
    plain = mail.get_body(("plain",))
    assert plain is not None and plain.get_content().replace("\r\n", "\n") == tricky
    [calendar] = mail.iter_attachments()
    assert "SUMMARY:--=_mix_a1tilmeld" in calendar.get_content()


@pytest.mark.parametrize(
    ("subject", "name", "attachments"),
    [
        (SUBJECT, 'Søren "Ærø" Ås,  Jensen', ()),
        ("Du er på ventelisten", "Anne Hansen", ()),
        ("Registration confirmed: " + "Odeon " * 30, "O'Brien, Pat", ()),
        ("Tilmelding afvist – " + "ø" * 90, "Åse Østergård-Ørum " * 4, ()),
        (SUBJECT, "", (calendar_attachment("REQUEST", "BEGIN:VCALENDAR\r\nX:Æ\r\nEND:VCALENDAR"),)),
        ("Prøve", "A", (Attachment("program.pdf", "application", "pdf", b"%PDF-1.4 \x00\xff"),)),
    ],
)
def test_headers_as_written_are_the_bytes_the_standard_library_refolds_to(
    subject: str, name: str, attachments: tuple[Attachment, ...]
) -> None:
    message = build_message(
        RenderedMail(subject=subject, language="da", text=MAIL.text, html=MAIL.html),
        sender="Børne- og Undervisningsministeriet <tilmeld@uvm.dk>",
        to_address="a@b.dk",
        to_name=name,
        message_id="<a1@tilmeld>",
        date=datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
        attachments=attachments,
    )
    assert flatten(message) == message.as_bytes(policy=SMTP_REFOLDED)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "  leading and trailing  ",
        "=?utf-8?q?Bekr=C3=A6ftelse?=\n =?utf-8?q?_af_tilmelding?=",
        "folded with\n\ta tab",
        "spaces before \n the fold ",
        "a bare\nline",
        "two\n\nbreaks",
        "a\rcarriage return",
        "a form\x0cfeed",
    ],
)
def test_any_ascii_header_is_written_as_the_standard_library_writes_it(value: str) -> None:
    assert AS_WRITTEN.fold_binary("Subject", value) == SMTP_REFOLDED.fold_binary("Subject", value)


def test_a_value_that_would_start_a_header_of_its_own_is_still_refused() -> None:
    with pytest.raises(HeaderParseError):
        AS_WRITTEN.fold_binary("Subject", "Tilmeldt\r\nBcc: alle@kommune.dk")
