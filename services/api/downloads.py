"""Streamed CSV and XLSX downloads with spreadsheet-formula injection neutralised.

A text cell starting with =, +, -, @, tab or carriage return is prefixed with an apostrophe, so a
document number or remark like `=HYPERLINK(...)` stays text in Excel; so is one that already starts with
apostrophes before such a character, so that `unneutralise` gives every text back exactly (an upload reads
its own download back: services/actions/commands/upload_file.py). Numbers are written as numbers, and in
sheets that declare them, Decimal amounts with two places and dates as dates.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter

from services.common.money_json import Paise, rupees_text

_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip("'").startswith(_DANGEROUS):
        return "'" + value
    return value


def unneutralise(text: str) -> str:
    """The text `neutralise` was given: one apostrophe fewer before a formula-like value."""
    if text.startswith("'") and text.lstrip("'").startswith(_DANGEROUS):
        return text[1:]
    return text


def _cell(value: Any) -> Any:
    if isinstance(value, Paise):
        return rupees_text(value.value)
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, date):
        return f"{value:%d-%m-%Y}"
    return "" if value is None else neutralise(value)


def csv_stream(
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
    flush_every: int = 2000,
    headers: Sequence[str] | None = None,
) -> Iterator[bytes]:
    """The rows under `columns` (their keys); the header line says `headers`, or the keys."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers] if headers is not None else columns)
    for count, row in enumerate(rows, 1):
        writer.writerow([_cell(row.get(c)) for c in columns])
        if count % flush_every == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


XLSX_MAX_ROWS = 1_048_576  # rows in an Excel sheet, the header included


@dataclass
class Sheet:
    """A sheet of rows (dicts) under `columns` (their keys). The optional layout: `headers` (row 1's text,
    the keys by default), column `widths`, `hidden` columns, `choices` offered in a drop-down, and whether the
    header is frozen and filtered (`table`)."""

    name: str
    columns: Sequence[str]
    rows: Iterable[dict[str, Any]]
    headers: Sequence[str] | None = None
    widths: Mapping[str, int] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    table: bool = False


def xlsx_file(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, Any]]] | Sheet], max_rows: int = XLSX_MAX_ROWS
) -> str:
    """Write a workbook in constant-memory mode to a temporary file and return its path. A sheet that
    would outgrow Excel's row limit continues on "NAME (2)", "NAME (3)"... with the same header: no row
    is dropped (xlsxwriter ignores writes past the limit without raising)."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="ims-")
    os.close(handle)
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats = {
        "money": workbook.add_format({"num_format": "0.00"}),
        "date": workbook.add_format({"num_format": "dd-mm-yyyy"}),
        "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
    }
    for spec in sheets:
        spec = spec if isinstance(spec, Sheet) else Sheet(*spec)
        part = 1
        sheet = _sheet(workbook, spec, part, formats)
        r = 0
        for row in spec.rows:
            r += 1
            if r >= max_rows:
                _finish(sheet, spec, r - 1)
                part += 1
                sheet = _sheet(workbook, spec, part, formats)
                r = 1
            for c, column in enumerate(spec.columns):
                _write(sheet, r, c, row.get(column), formats)
        _finish(sheet, spec, r)
    workbook.close()
    return path


def _write(sheet: Any, r: int, c: int, value: Any, formats: dict[str, Any]) -> None:
    if isinstance(value, Paise):
        sheet.write_number(r, c, value.value / 100, formats["money"])
    elif isinstance(value, Decimal):
        sheet.write_number(r, c, float(value), formats["money"])
    elif isinstance(value, date):
        day = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        sheet.write_datetime(r, c, day, formats["date"])
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(r, c, value)
    elif value is not None:
        sheet.write_string(r, c, str(neutralise(value)))


def _sheet(workbook: Any, spec: Sheet, part: int, formats: dict[str, Any]) -> Any:
    suffix = "" if part == 1 else f" ({part})"
    sheet = workbook.add_worksheet(spec.name[: 31 - len(suffix)] + suffix)
    if spec.headers is None:
        sheet.write_row(0, 0, spec.columns)
        return sheet
    sheet.write_row(0, 0, [neutralise(h) for h in spec.headers], formats["header"])
    for c, column in enumerate(spec.columns):
        if column in spec.widths or column in spec.hidden:
            sheet.set_column(c, c, spec.widths.get(column, 12), None, {"hidden": column in spec.hidden})
    return sheet


def _finish(sheet: Any, spec: Sheet, last_row: int) -> None:
    """What needs the sheet's last row: the header's filter and the drop-downs."""
    if spec.table:
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, max(last_row, 1), len(spec.columns) - 1)
    for c, column in enumerate(spec.columns):
        if column in spec.choices and last_row > 0:
            sheet.data_validation(
                1, c, last_row, c, {"validate": "list", "source": list(spec.choices[column]), "ignore_blank": True}
            )


def file_chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        os.unlink(path)
