"""COPY rows into PostgreSQL in text format: the set-based write path of every projection.

The text of the rows is built by the native formatter (services/common/native/copytext.c) when it is
built, else in Python (`text_rows`): the same bytes either way (tests/unit/test_copytext.py).
`IMS_NATIVE_COPY=0` keeps it in Python.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from sqlalchemy import Connection

try:
    from services.common import _copytext as _native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a machine without a C compiler
    _native = None
if _native is not None and (_native.ABI != 1 or os.environ.get("IMS_NATIVE_COPY") == "0"):
    _native = None  # a stale build (`make install` rebuilds it), or switched off

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SPECIAL = ("\\", "\t", "\n", "\r")


def _field(value: Any) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int):
        return str(value)
    return str(value).translate(_ESCAPES)


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], native: bool = True
) -> int:
    """Stream rows through COPY inside the caller's transaction; returns the number of rows. `native=False`
    formats them in Python whatever is built (the bench's raw limit)."""
    if native and _native is not None:
        listed = rows if isinstance(rows, list) else list(rows)
        data = _native.text(listed)
        if data is not None:
            if listed:
                _copy(conn, table, columns, io.BytesIO(data))
            return len(listed)
        rows = listed
    text, count = text_rows(rows)
    if count:
        _copy(conn, table, columns, io.StringIO(text))
    return count


def text_rows(rows: Iterable[Sequence[Any]]) -> tuple[str, int]:
    """The COPY text of rows formatted in Python, and how many."""
    buffer = io.StringIO()
    count = 0
    write = buffer.write
    for row in rows:  # inlined: this loop formats every value of every projected row
        write(
            "\t".join(
                [
                    v.translate(_ESCAPES)
                    if type(v) is str
                    else str(v)
                    if type(v) is int
                    else "\\N"
                    if v is None
                    else _field(v)
                    for v in row
                ]
            )
        )
        write("\n")
        count += 1
    return buffer.getvalue(), count


def native_text(rows: list[Sequence[Any]]) -> bytes | None:
    """The native formatter's COPY text of rows; None when it is not built or declined them."""
    return None if _native is None else _native.text(rows)


def _copy(conn: Connection, table: str, columns: Iterable[str], buffer: IO[Any]) -> None:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    finally:
        cursor.close()


def copy_columns(conn: Connection, table: str, columns: Mapping[str, Sequence[Any]]) -> int:
    """COPY rows given column by column (equal lengths), formatted a column at a time.

    For the large stages of bulk actions: a column of plain text (no character COPY must escape, checked
    once over the whole column) is joined as it is, so the per-row work is one tab join in C instead of a
    type test and a translation per value; any other column is formatted as `copy_rows` formats values."""
    count = len(next(iter(columns.values()), ()))
    if count == 0:
        return 0
    lines = map("\t".join, zip(*(_text_column(values) for values in columns.values()), strict=True))
    _copy(conn, table, columns, io.StringIO("\n".join(lines) + "\n"))
    return count


def _text_column(values: Sequence[Any]) -> Sequence[str]:
    if all(type(v) is str for v in values):
        joined = "".join(values)
        if not any(c in joined for c in _SPECIAL):
            return values
    return [_field(v) for v in values]
