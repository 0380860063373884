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
    header is frozen and filtered (`table`). A sheet may also open with a `title` block (rows of cells above
    the header; a title's first row is set in large bold) and take a two-row header: `groups` names, per
    column, the label written over it (None: the column's own header fills both rows); and a column may
    show its numbers in a number format of its own (`number_formats`, e.g. "0%"), or the whole column a format
    for what people type into its empty cells (`column_formats`, e.g. "@" for text: a template's)."""

    name: str
    columns: Sequence[str]
    rows: Iterable[dict[str, Any]]
    headers: Sequence[str | None] | None = None
    widths: Mapping[str, int] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    choices: Mapping[str, Sequence[str]] = field(default_factory=dict)
    table: bool = False
    title: Sequence[Sequence[Any]] = ()
    groups: Sequence[str | None] = ()
    number_formats: Mapping[str, str] = field(default_factory=dict)
    column_formats: Mapping[str, str] = field(default_factory=dict)

    @property
    def header_rows(self) -> int:
        return 2 if self.groups else 1

    @property
    def top(self) -> int:
        """The rows above the first row of data."""
        return len(self.title) + self.header_rows


def xlsx_file(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, Any]]] | Sheet], max_rows: int = XLSX_MAX_ROWS
) -> str:
    """Write a workbook in constant-memory mode to a temporary file and return its path. A sheet that
    would outgrow Excel's row limit continues on "NAME (2)", "NAME (3)"... with the same title and header:
    no row is dropped (xlsxwriter ignores writes past the limit without raising)."""
    handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="ims-")
    os.close(handle)
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    formats = {
        "money": workbook.add_format({"num_format": "0.00"}),
        "date": workbook.add_format({"num_format": "dd-mm-yyyy"}),
        "header": workbook.add_format({"bold": True, "text_wrap": True, "valign": "top"}),
        "group": workbook.add_format(
            {"bold": True, "text_wrap": True, "align": "center", "valign": "vcenter", "border": 1}
            | {"bg_color": "#DDEBF7"}
        ),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
    }
    for spec in sheets:
        spec = spec if isinstance(spec, Sheet) else Sheet(*spec)
        own = {c: workbook.add_format({"num_format": f}) for c, f in spec.number_formats.items()}
        part = 1
        sheet = _sheet(workbook, spec, part, formats)
        r = spec.top - 1
        for row in spec.rows:
            r += 1
            if r >= max_rows:
                _finish(sheet, spec, r - 1)
                part += 1
                sheet = _sheet(workbook, spec, part, formats)
                r = spec.top
            for c, column in enumerate(spec.columns):
                _write(sheet, r, c, row.get(column), formats, own.get(column))
        _finish(sheet, spec, r)
    workbook.close()
    return path


def _write(sheet: Any, r: int, c: int, value: Any, formats: dict[str, Any], own: Any = None) -> None:
    if isinstance(value, Paise):
        sheet.write_number(r, c, value.value / 100, own or formats["money"])
    elif isinstance(value, Decimal):
        sheet.write_number(r, c, float(value), own or formats["money"])
    elif isinstance(value, date):
        day = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
        sheet.write_datetime(r, c, day, own or formats["date"])
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(r, c, value, own)
    elif value is not None:
        sheet.write_string(r, c, str(neutralise(value)))


def _sheet(workbook: Any, spec: Sheet, part: int, formats: dict[str, Any]) -> Any:
    suffix = "" if part == 1 else f" ({part})"
    sheet = workbook.add_worksheet(spec.name[: 31 - len(suffix)] + suffix)
    for r, cells in enumerate(spec.title):
        for c, value in enumerate(cells):
            if r == 0 and c == 0 and isinstance(value, str):
                sheet.write_string(0, 0, str(neutralise(value)), formats["title"])
            else:
                _write(sheet, r, c, value, formats)
    top = len(spec.title)
    if spec.groups:
        _two_row_header(sheet, spec, top, formats["group"])
    elif spec.headers is None:
        sheet.write_row(top, 0, spec.columns)
        return sheet
    else:
        sheet.write_row(top, 0, [neutralise(h) for h in spec.headers], formats["header"])
    for c, column in enumerate(spec.columns):
        if column in spec.widths or column in spec.hidden or column in spec.column_formats:
            typed = spec.column_formats.get(column)
            style = None if typed is None else workbook.add_format({"num_format": typed})
            sheet.set_column(c, c, spec.widths.get(column, 12), style, {"hidden": column in spec.hidden})
    return sheet


def _two_row_header(sheet: Any, spec: Sheet, top: int, style: Any) -> None:
    """A group's label over its columns and their labels below; a column of no group has its label merged
    over both rows. Rows are written in order, as constant-memory mode needs: the upper row's merges are made
    while it is written, the vertical ones (which would write the lower row early) are recorded beside."""
    labels = list(spec.headers or spec.columns)
    groups = list(spec.groups)
    c = 0
    while c < len(groups):
        end = c
        while groups[c] is not None and end + 1 < len(groups) and groups[end + 1] == groups[c]:
            end += 1
        text = str(neutralise(groups[c] if groups[c] is not None else labels[c]))
        if end > c:
            sheet.merge_range(top, c, top, end, text, style)
        else:
            sheet.write_string(top, c, text, style)
        c = end + 1
    for c, group in enumerate(groups):
        if group is None:
            sheet.write_blank(top + 1, c, None, style)
            # XlsxWriter's merge_range would write the upper row after the lower one; its list of merged
            # ranges (what it writes into the sheet's <mergeCells>) takes the range directly
            sheet.merge.append([top, c, top + 1, c])
        else:
            sheet.write_string(top + 1, c, str(neutralise(labels[c])), style)


def _finish(sheet: Any, spec: Sheet, last_row: int) -> None:
    """What needs the sheet's last row: the header's filter and the drop-downs."""
    header = spec.top - 1
    if spec.table:
        sheet.freeze_panes(spec.top, 0)
        sheet.autofilter(header, 0, max(last_row, header + 1), len(spec.columns) - 1)
    for c, column in enumerate(spec.columns):
        if column in spec.choices and last_row > header:
            offered = {"validate": "list", "source": list(spec.choices[column]), "ignore_blank": True}
            sheet.data_validation(spec.top, c, last_row, c, offered)


def file_chunks(path: str, size: int = 1 << 16) -> Iterator[bytes]:
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(size):
                yield chunk
    finally:
        os.unlink(path)
