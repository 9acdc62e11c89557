"""The 98 Danish municipalities with their official three-digit codes."""

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name: str
    region: str


@cache
def municipalities() -> dict[str, Municipality]:
    text = resources.files(__package__).joinpath("municipalities.csv").read_text("utf-8")
    rows = csv.DictReader(text.splitlines())
    return {r["code"]: Municipality(r["code"], r["name"], r["region"]) for r in rows}


def is_municipality_code(code: str) -> bool:
    return code in municipalities()
