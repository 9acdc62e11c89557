"""The `tilmeld` command: wiring of the sub-commands and the global broker options."""

import logging
from typing import Annotated

import typer

from tilmeld_cli.commands import events, messages, offers, signups
from tilmeld_cli.publish import DEFAULT_BOOTSTRAP, Broker

app = typer.Typer(
    name="tilmeld",
    help="Publish event definitions and sign-ups to Tilmeld (Kafka).",
    no_args_is_help=True,
    add_completion=False,
)
events.app.command("message")(messages.message)
app.add_typer(events.app, name="events")
app.command("signup")(signups.signup)
app.command("cancel")(signups.cancel)
app.add_typer(offers.app, name="offer")


@app.callback()
def main(
    ctx: typer.Context,
    bootstrap: Annotated[
        str,
        typer.Option(
            envvar="TILMELD_KAFKA_BOOTSTRAP",
            metavar="HOST:PORT",
            help="Kafka bootstrap servers (comma-separated).",
        ),
    ] = DEFAULT_BOOTSTRAP,
    timeout: Annotated[
        float, typer.Option(min=0.5, help="Seconds to wait for the broker's acknowledgement.")
    ] = 8.0,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show the Kafka client's log.")
    ] = False,
) -> None:
    # aiokafka logs every failed connection attempt; the command reports the outcome itself.
    logging.basicConfig(level=logging.INFO if verbose else logging.CRITICAL)
    ctx.obj = Broker(bootstrap=bootstrap, timeout=timeout)
