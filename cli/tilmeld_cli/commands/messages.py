"""`tilmeld events message EVENT --text ...`: an organiser's message to every confirmed
attendee, mailed by the notification service (dk.tilmeld.event.message_requested.v1 on
tilmeld.organiser-messages, keyed by the event id)."""

from pathlib import Path
from typing import Annotated

import typer

from tilmeld_cli.output import EXIT_INVALID_INPUT, fail, send, validated
from tilmeld_cli.publish import cloudevent
from tilmeld_contracts import topics
from tilmeld_contracts.catalog.messages_v1 import MESSAGE_REQUESTED, MessageRequested


def message(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Id of the event.", metavar="EVENT_ID")],
    text: Annotated[
        str | None, typer.Option(help="The message; a blank line starts a new paragraph.")
    ] = None,
    text_file: Annotated[
        Path | None,
        typer.Option(
            "--text-file",
            help="Read the message from this UTF-8 file instead.",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ] = None,
    subject: Annotated[
        str | None,
        typer.Option(help='Subject line (default: "Besked fra arrangøren: <event title>").'),
    ] = None,
) -> None:
    """Mail a message to every confirmed attendee of EVENT_ID (in their language's frame:
    greeting, event details; the text itself as written)."""
    if (text is None) == (text_file is None):
        fail("error: give exactly one of --text and --text-file", EXIT_INVALID_INPUT)
    if text_file is not None:
        text = text_file.read_text("utf-8")
    data = validated(
        MessageRequested, {"event_id": event_id, "text": text, "subject": subject}, "message"
    )
    send(
        ctx,
        topics.ORGANISER_MESSAGES,
        data.event_id,
        cloudevent(type=MESSAGE_REQUESTED, subject=data.event_id, data=data),
    )
