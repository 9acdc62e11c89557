"""`tilmeld events ...`: event definitions on tilmeld.catalog."""

from pathlib import Path
from typing import Annotated

import typer

from tilmeld_cli import definition_check, summary
from tilmeld_cli.output import EXIT_INVALID_FILE, fail, send, validated
from tilmeld_cli.publish import cloudevent
from tilmeld_contracts import topics
from tilmeld_contracts.catalog.v1 import (
    EVENT_CANCELLED,
    EVENT_CHANGED,
    EVENT_PUBLISHED,
    EventCancelled,
    EventDefinition,
)

app = typer.Typer(
    help="Validate, publish and cancel event definitions (tilmeld.catalog).", no_args_is_help=True
)

DefinitionFile = Annotated[
    Path,
    typer.Argument(
        help="Event definition in YAML (see deploy/sample/).",
        exists=True,
        dir_okay=False,
        readable=True,
        metavar="FILE",
    ),
]


def _checked(file: Path) -> EventDefinition:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{file}: cannot read: {error}", EXIT_INVALID_FILE)
    result = definition_check.check(text)
    if result.definition is None:
        for problem in result.problems:
            typer.echo(problem.render(str(file)), err=True)
        count = len(result.problems)
        fail(
            f"{file}: {count} problem{'s' if count != 1 else ''}; nothing published",
            EXIT_INVALID_FILE,
        )
    return result.definition


@app.command()
def validate(file: DefinitionFile) -> None:
    """Check FILE against the event definition contract and summarise it.

    Problems are printed as FILE:LINE: field.path: message (exit code 1).
    """
    for line in summary.describe(_checked(file)):
        typer.echo(line)


@app.command()
def publish(
    ctx: typer.Context,
    file: DefinitionFile,
    changed: Annotated[
        bool,
        typer.Option(
            "--changed",
            help="Publish as dk.tilmeld.event.changed.v1 (an update of a published "
            "event) instead of dk.tilmeld.event.published.v1.",
        ),
    ] = False,
) -> None:
    """Validate FILE and publish it on tilmeld.catalog, keyed by the event id.

    Nothing is published when FILE has problems (exit code 1); exit code 3 when Kafka does not
    acknowledge the event.
    """
    definition = _checked(file)
    event = cloudevent(
        type=EVENT_CHANGED if changed else EVENT_PUBLISHED, subject=definition.id, data=definition
    )
    send(ctx, topics.CATALOG, definition.id, event)


@app.command()
def cancel(
    ctx: typer.Context,
    event_id: Annotated[str, typer.Argument(help="Id of the event to cancel.", metavar="EVENT_ID")],
    reason: Annotated[str | None, typer.Option(help="Why the event is cancelled.")] = None,
) -> None:
    """Cancel a published event (dk.tilmeld.event.cancelled.v1 on tilmeld.catalog)."""
    data = validated(EventCancelled, {"event_id": event_id, "reason": reason}, "cancellation")
    send(
        ctx,
        topics.CATALOG,
        data.event_id,
        cloudevent(type=EVENT_CANCELLED, subject=data.event_id, data=data),
    )
