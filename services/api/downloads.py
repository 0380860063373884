"""Streamed CSV and XLSX downloads with spreadsheet-formula injection neutralised.

A text cell starting with =, +, -, @, tab or carriage return is prefixed with an apostrophe, so a
document number or remark like `=HYPERLINK(...)` stays text in Excel. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import xlsxwriter

from services.common.money_json import Paise, rupees_text

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_DANGEROUS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, Paise):
        return rupees_text(value.value)
    return "" if value is None else neutralise(value)


def csv_stream(columns: Sequence[str], rows: Iterable[dict[str, Any]], flush_every: int = 2000) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for count, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(c)) for c in columns])
        if count % flush_every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


XLSX_MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header included


def xlsx_file(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, Any]]]], max_rows: int = XLSX_MAX_ROWS
) -> str:
    """Write a workbook in constant-memory mode to a temporary file and return its path. A sheet that
    would outgrow Excel's row limit continues on "NAME (2)", "NAME (3)"... with the same header: no row
    is dropped (xlsxwriter ignores writes past the limit without raising)."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="ims-")
    os.close(handle)
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    money_format = workbook.add_format({"num_format": "0.00"})
    for name, columns, rows in sheets:
        part = 1
        sheet = _sheet(workbook, name, part, columns)
        r = 0
        for row in rows:
            r += 1
            if r >= max_rows:
                part += 1
                sheet = _sheet(workbook, name, part, columns)
                r = 1
            for c, column in enumerate(columns):
                value = row.get(column)
                if isinstance(value, Paise):
                    sheet.write_number(r, c, value.value / 100, money_format)
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                elif value is not None:
                    sheet.write_string(r, c, str(neutralise(value)))
    workbook.close()
    return path


def _sheet(workbook: Any, name: str, part: int, columns: Sequence[str]) -> Any:
    suffix = "" if part == 1 else f" ({part})"
    sheet = workbook.add_worksheet(name[: 31 - len(suffix)] + suffix)
    sheet.write_row(0, 0, columns)
    return sheet


def file_chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        os.unlink(path)
