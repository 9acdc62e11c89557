"""JSON Schemas of the public payloads, and the compatibility rule between two versions.

`python -m tilmeld_contracts.schemas` rewrites `contracts/schemas/current/`. Files in
`contracts/schemas/released/` are the contract other systems were given: they are only ever
added to, and a test checks every current schema stays compatible with its released one.
"""

import json
import sys
from pathlib import Path
from typing import Any

from tilmeld_contracts.envelope import CloudEvent
from tilmeld_contracts.registry import DATA_MODELS, PUBLIC_TYPES

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"

Schema = dict[str, Any]


def current_schemas() -> dict[str, Schema]:
    schemas = {t: DATA_MODELS[t].model_json_schema(mode="validation") for t in sorted(PUBLIC_TYPES)}
    schemas["cloudevent"] = CloudEvent.model_json_schema(mode="validation")
    return schemas


def _resolve(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = root.get("$defs", {})[name]
    return schema


def _allowed_types(schema: Schema, root: Schema) -> set[str] | None:
    """The JSON types a schema admits; None means anything."""
    schema = _resolve(schema, root)
    if "anyOf" in schema or "oneOf" in schema:
        members = schema.get("anyOf", []) + schema.get("oneOf", [])
        found: set[str] = set()
        for member in members:
            types = _allowed_types(member, root)
            if types is None:
                return None
            found |= types
        return found
    if "type" in schema:
        kind = schema["type"]
        return set(kind) if isinstance(kind, list) else {kind}
    if "const" in schema or "enum" in schema:
        return {type(v).__name__ for v in schema.get("enum", [schema.get("const")])}
    return None


def incompatibilities(
    old: Schema, new: Schema, path: str = "", roots: tuple[Schema, Schema] | None = None
) -> list[str]:
    """What a reader of `old` would find broken in `new`: removed fields, narrowed types,
    fields that became required, enum values dropped."""
    old_root, new_root = roots or (old, new)
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    problems: list[str] = []
    old_types, new_types = _allowed_types(old, old_root), _allowed_types(new, new_root)
    if new_types is not None and (old_types is None or not old_types <= new_types):
        problems.append(f"{path or '(root)'}: type narrowed from {old_types} to {new_types}")
    if "enum" in old and "enum" in new and not set(old["enum"]) <= set(new["enum"]):
        problems.append(f"{path}: values dropped {set(old['enum']) - set(new['enum'])}")
    for name, old_prop in old.get("properties", {}).items():
        new_prop = new.get("properties", {}).get(name)
        if new_prop is None:
            problems.append(f"{path}.{name}: field removed")
        else:
            problems += incompatibilities(
                old_prop, new_prop, f"{path}.{name}", (old_root, new_root)
            )
    newly_required = set(new.get("required", [])) - set(old.get("required", []))
    problems += [f"{path}.{name}: optional became required" for name in sorted(newly_required)]
    for key in ("anyOf", "oneOf"):
        for old_member in old.get(key, []):
            member = _resolve(old_member, old_root)
            if "properties" in member:
                matches = [m for m in new.get(key, []) if "properties" in _resolve(m, new_root)]
                for new_member in matches[:1]:
                    problems += incompatibilities(member, new_member, path, (old_root, new_root))
    return problems


def file_name(event_type: str) -> str:
    return f"{event_type}.json"


def write(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for event_type, schema in current_schemas().items():
        text = json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        (directory / file_name(event_type)).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else SCHEMA_DIR / "current"
    write(target)
    print(f"wrote {len(current_schemas())} schemas to {target}")
