"""Structured logs: one JSON object per line on stderr (a human-readable console rendering when
stderr is a terminal), with the service name on every line and, while an input is handled, its
event id, registration id, CloudEvents id and type, and correlation id (bound by
`tilmeld_runtime.observe.bound`).

Everything goes through the standard library's `logging`, so our modules, FastStream, uvicorn,
aiokafka and asyncpg all come out in the same format: structlog's `ProcessorFormatter` renders
every stdlib record, with the context variables merged in."""

import logging
import sys
from typing import Any, TextIO

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from tilmeld_runtime import observe

# FastStream's own logger for the broker's service messages. Its per-message and per-task lines
# ("callback for Task-N is being executed...") are INFO: below WARNING they are noise.
FASTSTREAM_LOGGER = "tilmeld.faststream"
# What FastStream adds to its records (uvicorn adds `color_message`, which we leave out).
_EXTRAS = ("topic", "group_id", "message_id")
_QUIET = {"aiokafka": logging.WARNING, FASTSTREAM_LOGGER: logging.WARNING}


def _add_service(service: str) -> Processor:
    def add(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return add


_FIRST = ("timestamp", "level", "service", "logger", "message")


def _merge_input(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    return {**observe.log_context(), **event}


def _json(event: EventDict, **_: Any) -> str:
    ordered = {key: event.pop(key) for key in _FIRST if key in event}
    ordered.update(event)
    return orjson.dumps(ordered, default=str).decode()


def configure_logging(
    service: str, level: str, *, console: bool | None = None, stream: TextIO | None = None
) -> None:
    """Route every log record of this process through structlog to `stream` (stderr); JSON
    unless `console` (default: whether the stream is a terminal)."""
    stream = stream or sys.stderr
    console = stream.isatty() if console is None else console
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _merge_input,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(allow=_EXTRAS),
        _add_service(service),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor = (
        structlog.dev.ConsoleRenderer()
        if console
        else structlog.processors.JSONRenderer(serializer=_json)
    )
    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if not console:  # the console renderer prints tracebacks itself, nicely
        final += [
            structlog.processors.format_exc_info,
            structlog.processors.EventRenamer("message"),
        ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(foreign_pre_chain=shared, processors=[*final, renderer])
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(max(quiet, root.level))
