"""`tilmeld-mail-sink` as a person runs it: a real process, real SMTP, SIGTERM at the end."""

import asyncio
import signal
import sys
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import aiosmtplib

from notification.entrypoints.mail_sink import subject_of


async def test_every_mail_becomes_one_eml_file_and_sigterm_ends_it_cleanly(
    tmp_path: Path, closed_port: int
) -> None:
    folder = tmp_path / "mails"
    sink = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "notification.entrypoints.mail_sink",
        "--port",
        str(closed_port),
        "--dir",
        str(folder),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await _until_listening(closed_port)
        for n in (1, 2):
            message = EmailMessage()
            message["From"], message["To"] = "tilmeld@tilmeld.local", "mette@aarhus.dk"
            message["Subject"] = f"Bekræftelse af tilmelding: nr. {n}"
            message.set_content("Kære Mette")
            await aiosmtplib.send(message, hostname="127.0.0.1", port=closed_port)
    finally:
        sink.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(sink.communicate(), 10)

    assert sink.returncode == 0
    files = sorted(folder.iterdir())
    assert [f.suffix for f in files] == [".eml", ".eml"]  # no temporary files left
    assert files[0].name.endswith("-000001.eml") and files[1].name.endswith("-000002.eml")
    subjects = [_subject(f) for f in files]
    assert subjects == ["Bekræftelse af tilmelding: nr. 1", "Bekræftelse af tilmelding: nr. 2"]
    log = output.decode()
    assert log.count("mette@aarhus.dk: Bekræftelse af tilmelding") == 2, log


def _subject(path: Path) -> Any:
    return message_from_bytes(path.read_bytes(), policy=default)["Subject"]


async def _until_listening(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        return
    raise AssertionError("mail sink did not start")


def test_the_logged_subject_is_the_mails_own_and_decoded() -> None:
    mail = EmailMessage()
    mail["Subject"] = "Bekræftelse af tilmelding til Dagtilbudskonferencen på Odeon"
    mail.set_content("Hej\n\nSubject: ikke denne\n")
    mail.add_alternative("<p>Subject: heller ikke denne</p>", subtype="html")
    raw = mail.as_bytes(policy=default.clone(linesep="\r\n"))
    assert subject_of(raw) == "Bekræftelse af tilmelding til Dagtilbudskonferencen på Odeon"
    assert subject_of(raw.replace(b"\r\n", b"\n")) == subject_of(raw)  # bare LF too
    assert subject_of(b"") == ""
