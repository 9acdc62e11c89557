"""`tilmeld offer accept|decline`: answers to a seat offered from the waitlist."""

from typing import Annotated

import typer

from tilmeld_cli.commands.signups import EventOption, IdOption, SourceOption
from tilmeld_cli.output import send, validated
from tilmeld_cli.publish import CLI_SOURCE, cloudevent
from tilmeld_contracts import topics
from tilmeld_contracts.signups.v1 import OFFER_ACCEPTED, OFFER_DECLINED, OfferAnswer

app = typer.Typer(help="Answer a seat offer (waitlist promotion: offer).", no_args_is_help=True)

RegistrationOption = Annotated[str, typer.Option(help="The registration the offer was made to.")]


def _answer(
    ctx: typer.Context, type: str, event: str, registration_id: str, source: str, id: str | None
) -> None:
    answer = validated(
        OfferAnswer, {"event_id": event, "registration_id": registration_id}, "offer answer"
    )
    send(
        ctx,
        topics.SIGNUPS,
        event,
        cloudevent(type=type, subject=answer.registration_id, data=answer, source=source, id=id),
    )


@app.command()
def accept(
    ctx: typer.Context,
    event: EventOption,
    registration_id: RegistrationOption,
    source: SourceOption = CLI_SOURCE,
    id: IdOption = None,
) -> None:
    """Take the offered seat (dk.tilmeld.offer.accepted.v1)."""
    _answer(ctx, OFFER_ACCEPTED, event, registration_id, source, id)


@app.command()
def decline(
    ctx: typer.Context,
    event: EventOption,
    registration_id: RegistrationOption,
    source: SourceOption = CLI_SOURCE,
    id: IdOption = None,
) -> None:
    """Turn the offered seat down (dk.tilmeld.offer.declined.v1); the next in line gets it."""
    _answer(ctx, OFFER_DECLINED, event, registration_id, source, id)
