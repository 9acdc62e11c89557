"""What every command shares: exit codes, validation of input data and publishing with
clear messages instead of stack traces."""

from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError

from tilmeld_cli.definition_check import format_path
from tilmeld_cli.publish import Broker, BrokerUnavailable, publish
from tilmeld_contracts.envelope import CloudEvent

EXIT_INVALID_FILE = 1
EXIT_INVALID_INPUT = 2
EXIT_BROKER = 3

M = TypeVar("M", bound=BaseModel)


def fail(message: str, code: int) -> NoReturn:
    typer.secho(message, err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


def validated(model: type[M], data: dict[str, Any], what: str, hint: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        lines = [f"error: the {what} is not valid{hint}:"]
        lines += [
            f"  {format_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        ]
        fail("\n".join(lines), EXIT_INVALID_INPUT)


def send(ctx: typer.Context, topic: str, key: str, event: CloudEvent) -> None:
    broker = ctx.obj if isinstance(ctx.obj, Broker) else Broker()
    try:
        delivered = publish(broker, topic, key, event)
    except BrokerUnavailable as error:
        fail(
            f"error: {error}\nStart the local broker with `bash deploy/local/infra.sh up`, "
            "or name another with --bootstrap HOST:PORT / TILMELD_KAFKA_BOOTSTRAP.",
            EXIT_BROKER,
        )
    typer.echo(
        f"published {event.type} on {delivered.topic} "
        f"(partition {delivered.partition}, offset {delivered.offset})"
    )
    typer.echo(f"  key (event id): {key}")
    typer.echo(f"  cloudevents id: {event.id}")
    typer.echo(f"  source:         {event.source}")
