"""Read YAML with ruamel.yaml's round-trip loader, which remembers the line of every key and
list item, so that validation errors can point into the file."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import ScalarNode


class _Constructor(RoundTripConstructor):
    """Keeps timestamps as text: pydantic parses them and names the bad ones with their input
    (a date without a time or offset is an error, not a silent midnight)."""


def _timestamp_as_text(constructor: RoundTripConstructor, node: ScalarNode) -> str:
    return str(constructor.construct_scalar(node))


# On the subclass only: add_constructor copies the table, RoundTripConstructor stays untouched.
_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


class YamlSyntaxError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Document:
    tree: Any  # ruamel's nodes, which know their lines
    data: Any  # the same content as plain dicts, lists and scalars, for pydantic


def load(text: str) -> Document:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark, context = error.problem_mark or error.context_mark, error.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = error.problem or error.context or str(error)
        if error.problem and error.context and context is not None:
            # e.g. an unclosed quote fails at the end of the file: say where it began.
            message += f" ({error.context} from line {context.line + 1})"
        raise YamlSyntaxError(line, message) from None
    except YAMLError as error:
        raise YamlSyntaxError(1, str(error)) from None
    return Document(tree=tree, data=_plain(tree))


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {_plain(key): _plain(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item) for item in node]
    for kind in (bool, int, float, str):  # ruamel's ScalarInt, LiteralScalarString, ...
        if isinstance(node, kind):
            return kind(node)
    return node


def _key_line(node: CommentedMap, key: Any) -> int | None:
    try:
        return int(node.lc.key(key)[0]) + 1
    except (KeyError, AttributeError, TypeError):  # e.g. keys from a merge (<<: *anchor)
        return None


def _item_line(node: CommentedSeq, index: int) -> int | None:
    try:
        return int(node.lc.item(index)[0]) + 1
    except (KeyError, AttributeError, TypeError):
        return None


def first_line(tree: Any) -> int:
    if isinstance(tree, CommentedMap) and tree:
        return _key_line(tree, next(iter(tree))) or 1
    return 1


def resolve(tree: Any, path: Sequence[Any]) -> tuple[Any, int, bool]:
    """Follow `path` (keys and list indices) from the root: the deepest node reached, its line,
    and whether the whole path exists. Steps that are not in the document are skipped, because
    pydantic puts union members and validator names into its error locations."""
    node, line, complete = tree, first_line(tree), True
    for step in path:
        if isinstance(node, CommentedMap) and step in node:
            line = _key_line(node, step) or line
            node = node[step]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and 0 <= step < len(node):
            line = _item_line(node, step) or line
            node = node[step]
        else:
            complete = False
    return node, line, complete
