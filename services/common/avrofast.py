"""The native Avro reader of plain event records (services/common/native/avrodecode.c), beside fastavro.

`compile_schema` turns a parsed `.avsc` into the program the C module follows, or None when the schema uses a
type it does not read (then fastavro reads every payload of it). `read` returns the record fastavro would
return, or None when the module declined the bytes (not well-formed Avro): the caller then asks fastavro,
which decides, so a payload decodes to the same record, or fails the same way, with or without the module.
The module is optional: without a C compiler (or with `IMS_NATIVE_DECODE=0`) fastavro reads everything.
"""

from __future__ import annotations

import os
from typing import Any

try:
    from services.common import _avrodecode as _native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a machine without a C compiler
    _native = None

ABI = 1
STRING, LONG, BOOLEAN, ARRAY = 0, 1, 2, 3
_PRIMITIVES = {"string": STRING, "long": LONG, "int": LONG, "boolean": BOOLEAN}
if _native is not None and (_native.ABI != ABI or os.environ.get("IMS_NATIVE_DECODE") == "0"):
    _native = None  # a stale build (`make install` rebuilds it), or switched off

Program = tuple[tuple[str, int, Any, int], ...]


def available() -> bool:
    return _native is not None


def compile_schema(parsed: Any) -> Program | None:
    """The program of a record schema of strings, ints, longs, booleans, unions of null and one of those,
    and arrays of such records; None for anything else (named references, logical types, maps, ...)."""
    if not isinstance(parsed, dict) or parsed.get("type") != "record" or not parsed.get("fields"):
        return None
    program = []
    for field in parsed["fields"]:
        kind, null_branch = field["type"], -1
        if isinstance(kind, list):
            if len(kind) != 2 or "null" not in kind:
                return None
            null_branch = kind.index("null")
            kind = kind[1 - null_branch]
        compiled = _compile_type(kind)
        if compiled is None:
            return None
        op, items = compiled
        program.append((str(field["name"]), op, items, null_branch))
    return tuple(program)


def _compile_type(kind: Any) -> tuple[int, Any] | None:
    if isinstance(kind, str):
        return (_PRIMITIVES[kind], None) if kind in _PRIMITIVES else None
    if not isinstance(kind, dict) or "logicalType" in kind:
        return None
    if kind.get("type") in _PRIMITIVES:
        return _PRIMITIVES[kind["type"]], None
    if kind.get("type") == "array":
        items = compile_schema(kind["items"])
        return None if items is None else (ARRAY, items)
    return None


def read(program: Program, body: bytes | memoryview) -> dict[str, Any] | None:
    """The record in `body`, or None when declined (or the module is not built)."""
    if _native is None:
        return None
    record: dict[str, Any] | None = _native.read(program, body)
    return record
