"""Keys a pydantic model does not declare. The contracts ignore unknown fields (tolerant
reader), so a misspelt `capasity:` would otherwise vanish silently from an organiser's file."""

import difflib
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


@dataclass(frozen=True)
class UnknownKey:
    path: tuple[Any, ...]
    suggestion: str | None


def unknown_keys(model: type[BaseModel], data: Any) -> list[UnknownKey]:
    found: list[UnknownKey] = []
    _walk(model, data, (), found)
    return found


def _model_keys(model: type[BaseModel]) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        keys[name] = field.annotation
        if field.alias:
            keys[field.alias] = field.annotation
    return keys


def _walk(annotation: Any, data: Any, path: tuple[Any, ...], found: list[UnknownKey]) -> None:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        _walk(args[0], data, path, found)
    elif origin is Union or origin is types.UnionType:
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        others = [a for a in args if a is not type(None) and a not in models]
        if len(models) == 1 and isinstance(data, dict):
            _walk(models[0], data, path, found)
        elif not models and len(others) == 1:
            _walk(others[0], data, path, found)
    elif origin in (list, tuple, set, frozenset, Sequence) and isinstance(data, list) and args:
        for index, item in enumerate(data):
            _walk(args[0], item, (*path, index), found)
    elif origin in (dict, Mapping) and isinstance(data, dict) and len(args) == 2:
        for key, value in data.items():
            _walk(args[1], value, (*path, key), found)
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(data, dict) or annotation.model_config.get("extra") == "allow":
            return
        keys = _model_keys(annotation)
        for key, value in data.items():
            if key in keys:
                _walk(keys[key], value, (*path, key), found)
            else:
                close = difflib.get_close_matches(str(key), list(keys), n=1)
                found.append(UnknownKey((*path, key), close[0] if close else None))
