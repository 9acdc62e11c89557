"""Check an organiser's YAML event definition against the contract, with every problem tied to
the line it comes from."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from tilmeld_cli import yaml_loader
from tilmeld_cli.unknown_keys import unknown_keys
from tilmeld_contracts.catalog.v1 import EventDefinition

_SLUG = "should be a slug: lowercase a-z, digits and hyphens, e.g. stuk-dagtilbud-2023"


@dataclass(frozen=True)
class Problem:
    line: int
    path: str | None  # None for problems that are not about one field (YAML syntax)
    message: str

    def render(self, file: str) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{file}:{self.line}: {where}{self.message}"


@dataclass(frozen=True)
class Checked:
    definition: EventDefinition | None
    problems: list[Problem]


def format_path(path: Sequence[Any]) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f".{step}" if text else str(step)
    return text or "(root)"


def check(text: str) -> Checked:
    try:
        document = yaml_loader.load(text)
    except yaml_loader.YamlSyntaxError as error:
        return Checked(None, [Problem(error.line, None, f"YAML syntax error: {error.message}")])
    if not isinstance(document.tree, CommentedMap):
        got = "an empty file" if document.tree is None else type(document.data).__name__
        message = f"an event definition is a YAML mapping (id: ..., kind: ...), not {got}"
        return Checked(None, [Problem(1, None, message)])
    problems = [
        _unknown(document.tree, u.path, u.suggestion)
        for u in unknown_keys(EventDefinition, document.data)
    ]
    definition = None
    try:
        definition = EventDefinition.model_validate(document.data)
    except ValidationError as error:
        problems += [
            _invalid(document.tree, e["loc"], e["msg"], e["type"], e.get("input"))
            for e in error.errors()
        ]
    problems.sort(key=lambda p: p.line)
    return Checked(definition if not problems else None, problems)


def _unknown(tree: Any, path: tuple[Any, ...], suggestion: str | None) -> Problem:
    _, line, _ = yaml_loader.resolve(tree, path)
    hint = f"; did you mean '{suggestion}'?" if suggestion else ""
    # The last step is a key even when YAML made it a number (`1: x`), not a list index.
    name = f"{format_path(path[:-1])}.{path[-1]}" if len(path) > 1 else str(path[-1])
    return Problem(line, name, f"unknown field{hint}")


def _invalid(tree: Any, loc: Sequence[Any], msg: str, kind: str, given: Any) -> Problem:
    path = _document_path(tree, loc)
    node, line, _ = yaml_loader.resolve(tree, path)
    message = _SLUG if kind == "string_pattern_mismatch" else msg.removeprefix("Value error, ")
    if kind != "missing" and not isinstance(given, dict | list):
        shown = repr(given) if len(repr(given)) <= 60 else repr(given)[:56] + "...'"
        message += f" (got {shown})"
    if kind == "value_error" and isinstance(node, CommentedMap):
        located = _named_in(tree, node, path, message)
        if located:
            return Problem(located[0], format_path(located[1]), message)
    return Problem(line, format_path(path), message)


def _named_in(
    tree: Any, node: CommentedMap, path: list[Any], message: str
) -> tuple[int, list[Any]] | None:
    """A model validator's error sits on the whole model: find the field its message starts
    with ("ends_at must be after ...") or the item whose id it names ("round runde-1: ...")."""
    for word in (w.rstrip(":") for w in message.split(" ", 2)[:2]):
        for target in ([*path, *word.split(".")], word.split(".")):
            _, line, found = yaml_loader.resolve(tree, target)
            if found:
                return line, target
        for key, items in node.items():
            for index, item in enumerate(items if isinstance(items, CommentedSeq) else []):
                if isinstance(item, CommentedMap) and item.get("id") == word:
                    target = [*path, key, index]
                    return yaml_loader.resolve(tree, target)[1], target
    return None


def _document_path(tree: Any, loc: Sequence[Any]) -> list[Any]:
    """pydantic's locations also name union members and validators (`function-after[...]`);
    keep the steps found in the document, plus a missing field's name at the end."""
    path: list[Any] = []
    for position, step in enumerate(loc):
        _, _, found = yaml_loader.resolve(tree, [*path, step])
        if found or position == len(loc) - 1:
            path.append(step)
    return path
