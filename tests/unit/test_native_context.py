"""The named records the C fast path reads and builds by position stay in the order fastrows.c has them: the
arguments of `context` (`NativeContext`) and the fields of `Checked`. Read from the C source, so this holds
where the module is not built too."""

from __future__ import annotations

import dataclasses
import re
import types
import typing

from services.common.settings import PROJECT_ROOT
from services.ingest.checking import Checked
from services.ingest.fastrows import NativeContext

SOURCE = (PROJECT_ROOT / "services" / "ingest" / "native" / "fastrows.c").read_text()
# PyArg_ParseTuple units and the Python types each accepts here (O! is a tuple, O is text or None)
UNITS: dict[str, set[type]] = {"U": {str}, "i": {int, bool}, "O!": {tuple}, "O": {str, type(None)}}


def _comment_names(signature: str) -> list[str]:
    """The names listed in the C comment `/* signature(a, b, ...) ... */`, in order."""
    match = re.search(r"/\* " + re.escape(signature) + r"\(([^)]*)\)", SOURCE)
    assert match, f"fastrows.c no longer documents {signature}(...)"
    return [name.strip(" *\n") for name in match.group(1).split(",")]


def _accepted(annotation: object) -> set[type]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_accepted(a) for a in typing.get_args(annotation)))
    return {origin or annotation}  # type: ignore[arg-type]


def test_native_context_fields_are_the_arguments_of_context_in_fastrows_c_order() -> None:
    assert [f.name for f in dataclasses.fields(NativeContext)] == _comment_names("context")


def test_each_native_context_field_has_the_type_its_parse_unit_accepts() -> None:
    (formats,) = re.findall(r'PyArg_ParseTuple\(args, "([^"]+)", &table, &party_field', SOURCE)
    units = re.findall(r"O!|[UiO]", formats)
    hints = typing.get_type_hints(NativeContext)
    fields = [f.name for f in dataclasses.fields(NativeContext)]
    assert len(units) == len(fields)
    for name, unit in zip(fields, units, strict=True):
        assert _accepted(hints[name]) <= UNITS[unit], (name, unit, hints[name])


def test_checked_fields_are_in_the_order_fastrows_c_builds_them() -> None:
    assert list(Checked._fields) == _comment_names("Checked")
    (count,) = re.findall(r"#define CHECKED_FIELDS (\d+)", SOURCE)
    assert len(Checked._fields) == int(count)
