"""Organisers' broadcasts on `tilmeld.organiser-messages` (key = event id), published with
`tilmeld events message EVENT --text ...`. Not on `tilmeld.catalog`: that topic is compacted by
event id, and a message there would compact the event's definition away."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from tilmeld_contracts.common import NonEmpty, Slug

MESSAGE_REQUESTED = "dk.tilmeld.event.message_requested.v1"

MessageText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
]


class MessageRequested(BaseModel):
    """Mail `text` to every confirmed attendee of `event_id`."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_id: Slug
    text: MessageText
    # The subject line; without one attendees read "Besked fra arrangøren: <event title>".
    subject: NonEmpty | None = None
