"""`tilmeld signup` and `tilmeld cancel`: inputs on tilmeld.signups, as another system (a web
form, a CRM) would publish them."""

from typing import Annotated, Any

import orjson
import typer

from tilmeld_cli.output import EXIT_INVALID_INPUT, fail, send, validated
from tilmeld_cli.publish import CLI_SOURCE, cloudevent
from tilmeld_contracts import topics
from tilmeld_contracts.signups.v1 import (
    CANCELLATION_REQUESTED,
    SIGNUP_REQUESTED,
    CancellationRequested,
    SignupRequested,
)

EventOption = Annotated[str, typer.Option("--event", help="Event id (the record key).")]
SourceOption = Annotated[
    str,
    typer.Option(
        help="CloudEvents source of the sending system; (source, id) is the idempotency key."
    ),
]
IdOption = Annotated[
    str | None,
    typer.Option(
        "--id", help="CloudEvents id (default: a new uuid4). Reuse one to test idempotency."
    ),
]


def parse_choices(values: list[str]) -> dict[str, list[str]]:
    """`runde-1=temamoede-3,temamoede-1` → {"runde-1": ["temamoede-3", "temamoede-1"]}."""
    choices: dict[str, list[str]] = {}
    for value in values:
        round_id, sep, sessions = value.partition("=")
        picks = [s.strip() for s in sessions.split(",") if s.strip()]
        if not sep or not round_id.strip() or not picks:
            raise typer.BadParameter(
                f"{value!r}: expected ROUND=SESSION[,SESSION...]", param_hint="--choice"
            )
        if round_id.strip() in choices:
            raise typer.BadParameter(
                f"round {round_id.strip()!r} given twice; list all its sessions in one --choice",
                param_hint="--choice",
            )
        choices[round_id.strip()] = picks
    return choices


def signup(
    ctx: typer.Context,
    event: EventOption,
    name: Annotated[str | None, typer.Option(help="Attendee's full name.")] = None,
    email: Annotated[str | None, typer.Option(help="Attendee's email address.")] = None,
    organisation: Annotated[str | None, typer.Option(help="Employer, e.g. Aarhus Kommune.")] = None,
    municipality_code: Annotated[
        str | None, typer.Option(help="Official three-digit municipality code, e.g. 751 (Aarhus).")
    ] = None,
    job_title: Annotated[str | None, typer.Option(help="e.g. Pædagogisk leder.")] = None,
    language: Annotated[str | None, typer.Option(help="da or en.")] = None,
    choice: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ROUND=SESSION[,SESSION...]",
            help="Session preferences for one round, first choice first; repeat per round.",
        ),
    ] = None,
    source: SourceOption = CLI_SOURCE,
    id: IdOption = None,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw",
            help="Skip validation: send the sign-up as given, to see how Tilmeld answers bad "
            "input.",
        ),
    ] = False,
    data: Annotated[
        str | None,
        typer.Option(
            metavar="JSON",
            help="Send this JSON verbatim as the event's data (implies --raw); "
            "the attendee options are ignored.",
        ),
    ] = None,
) -> None:
    """Request a seat (dk.tilmeld.signup.requested.v1 on tilmeld.signups, keyed by the event).

    The sign-up is checked against the contract first (exit code 2 when invalid) unless --raw
    or --data is given. Example:

    tilmeld signup --event stuk-dagtilbud-2023 --name "Mette Hansen" --email mette@aarhus.dk
    --organisation "Aarhus Kommune" --municipality-code 751
    --choice runde-1=temamoede-3,temamoede-1 --choice runde-2=temamoede-5
    """
    attendee = {
        "name": name,
        "email": email,
        "organisation": organisation,
        "municipality_code": municipality_code,
        "job_title": job_title,
        "language": language,
    }
    payload: Any = {
        "event_id": event,
        "attendee": {k: v for k, v in attendee.items() if v is not None},
        "choices": parse_choices(choice or []),
    }
    if data is not None:
        try:
            payload = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            fail(f"error: --data is not JSON: {error}", EXIT_INVALID_INPUT)
    elif not raw:
        request = validated(SignupRequested, payload, "sign-up", " (use --raw to send it anyway)")
        payload = request.model_dump(mode="json", exclude_none=True)
    send(
        ctx,
        topics.SIGNUPS,
        event,
        cloudevent(type=SIGNUP_REQUESTED, subject=event, data=payload, source=source, id=id),
    )


def cancel(
    ctx: typer.Context,
    event: EventOption,
    registration_id: Annotated[
        str | None, typer.Option(help="The registration to cancel (from the confirmation).")
    ] = None,
    email: Annotated[
        str | None, typer.Option(help="Or: cancel the registration made with this email address.")
    ] = None,
    source: SourceOption = CLI_SOURCE,
    id: IdOption = None,
) -> None:
    """Cancel a registration (dk.tilmeld.cancellation.requested.v1 on tilmeld.signups).

    Give exactly one of --registration-id and --email.
    """
    if (registration_id is None) == (email is None):
        fail("error: give exactly one of --registration-id and --email", EXIT_INVALID_INPUT)
    raw = {"event_id": event, "registration_id": registration_id, "email": email}
    request = validated(
        CancellationRequested, {k: v for k, v in raw.items() if v is not None}, "cancellation"
    )
    send(
        ctx,
        topics.SIGNUPS,
        event,
        cloudevent(
            type=CANCELLATION_REQUESTED,
            subject=registration_id or event,
            data=request.model_dump(mode="json", exclude_none=True),
            source=source,
            id=id,
        ),
    )
