"""Key paths of a JSON document, as GSTN's published formats are written down (tests/support/gstn_formats/):
`a.b[].c` with the JSON type of the value (string, number, object, array, boolean, null)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

FORMATS = Path(__file__).parent / "gstn_formats"


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "array" if isinstance(value, list) else "object"


def key_paths(value: Any, prefix: str = "") -> set[tuple[str, str]]:
    """Every leaf of `value` as (path, JSON type); a list's items share the path `name[]`."""
    if isinstance(value, dict):
        found: set[tuple[str, str]] = set()
        for key, inner in value.items():
            found |= key_paths(inner, f"{prefix}.{key}" if prefix else key)
        return found or {(prefix, "object")}
    if isinstance(value, list):
        found = set()
        for inner in value:
            found |= key_paths(inner, prefix + "[]")
        return found or {(prefix, "array")}
    return {(prefix, json_type(value))}


def spec(name: str) -> dict[str, str]:
    """A format's key paths and their types, from its `.keys` file."""
    lines = (FORMATS / name).read_text().splitlines()
    return dict(line.split("\t") for line in lines if line and not line.startswith("#"))
