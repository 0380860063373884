"""COPY rows into PostgreSQL in text format: the set-based write path of every projection."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

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


def copy_rows(conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Stream rows through COPY inside the caller's transaction; returns the number of rows."""
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
    if count == 0:
        return 0
    buffer.seek(0)
    _copy(conn, table, columns, buffer)
    return count


def _copy(conn: Connection, table: str, columns: Iterable[str], buffer: io.StringIO) -> None:
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
