"""Reading an uploaded documents workbook (XLSX) or its CSV, row by row, in bounded memory (docs/rules.md §8.4).

An XLSX is opened read-only (openpyxl streams each sheet) after its ZIP directory is checked: the members may
unpack to at most `MAX_UNPACKED` bytes in all, and a part openpyxl reads whole (shared strings, styles) to at
most `MAX_PART`; ZIP reading never goes past a member's declared size, so a small body cannot unpack into
gigabytes. A CSV is UTF-8 (with or without the BOM spreadsheets write) or, as
Excel saves "CSV" on Windows, Windows-1252; its delimiter is the header line's comma, semicolon or tab.

Each sheet's header row is looked for among its first rows (services/actions/domain/upload_rows.py says
which headers it needs); sheets without one (a "Read me") are skipped. Text cells are read back as written:
the apostrophe a download put before a formula-like value (services/api/downloads.py) is taken off again.
At most `max_rows` document rows are read; past that the upload is refused whole (TooManyRecords).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from services.actions.domain.upload_rows import HEADER_ROWS, Formula, header_map, missing_headers
from services.api.downloads import unneutralise
from services.api.workbooks import WorkbookRefused, open_workbook
from services.common.jsonstream import TooManyRecords

XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA = "text/csv"
MAX_UNPACKED = 256 << 20  # a 20,000-row download unpacks to about 40 MiB
MAX_PART = 32 << 20  # a part other than a sheet (shared strings, styles) is read whole: about 10 MiB at 20,000 rows
MAX_MEMBERS = 1000
BLANK_ROWS_PER_ROW = 4  # blank rows read (formatting left below the data) per document row allowed


class UploadRefused(ValueError):
    """The body is not a documents workbook or CSV; the message names the problem (400)."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    sheet: str | None  # None for a CSV and for the first sheet of documents
    row: int  # as the spreadsheet numbers it: the header row is at least 1
    cells: dict[str, Any]  # column key -> value


def kind_of(content_type: str | None, head: bytes) -> str:
    """xlsx or csv, from the Content-Type, or from the first bytes when it says only octet-stream or nothing."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media == XLSX_MEDIA:
        return "xlsx"
    if media in (CSV_MEDIA, "application/csv", "text/plain"):
        return "csv"
    if media in ("", "application/octet-stream"):
        return "xlsx" if head.startswith(b"PK\x03\x04") else "csv"
    raise UploadRefused(f"Content-Type: {media} is neither {XLSX_MEDIA} nor {CSV_MEDIA}")


def read_rows(source: IO[bytes], kind: str, max_rows: int) -> Iterator[SheetRow]:
    """Every row below a header row, in sheet order, with the cells of the known columns."""
    sheets = _xlsx_sheets(source) if kind == "xlsx" else _csv_sheets(source)
    found = False
    read = documents = 0
    for index, (name, rows) in enumerate(sheets):
        columns: dict[int, str] | None = None
        for number, values in enumerate(rows, 1):
            if columns is None:
                columns = header_map(values)
                if columns is None and number >= HEADER_ROWS:
                    break
                continue
            cells = {key: values[i] if i < len(values) else None for i, key in columns.items()}
            read += 1
            documents += any(v is not None and str(v).strip() for v in cells.values())
            if documents > max_rows or read > max_rows * (1 + BLANK_ROWS_PER_ROW):
                raise TooManyRecords(f"body: more than {max_rows} rows; upload the documents in parts")
            yield SheetRow(name if found and index > 0 else None, number, cells)
        found = found or columns is not None
    if not found:
        raise UploadRefused(f"body: no sheet has the documents header row (it needs {missing_headers()})")


def _xlsx_sheets(source: IO[bytes]) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    try:
        book = open_workbook(source, max_unpacked=MAX_UNPACKED, max_part=MAX_PART, max_members=MAX_MEMBERS)
    except WorkbookRefused as exc:
        raise UploadRefused(str(exc)) from None
    try:
        for sheet in book.worksheets:
            yield sheet.title, _guarded(_xlsx_values(sheet.iter_rows()), sheet.title)
    finally:
        book.close()


def _xlsx_values(rows: Iterable[Any]) -> Iterator[list[Any]]:
    for row in rows:
        yield [_xlsx_value(cell) for cell in row]


def _xlsx_value(cell: Any) -> Any:
    value = cell.value
    if getattr(cell, "data_type", None) == "f":
        return Formula(str(value))
    return unneutralise(value) if isinstance(value, str) else value


def _guarded(rows: Iterator[list[Any]], sheet: str) -> Iterator[list[Any]]:
    """A sheet whose XML breaks part-way refuses the upload (400), naming the sheet."""
    try:
        yield from rows
    except (UploadRefused, TooManyRecords):
        raise
    except Exception as exc:
        raise UploadRefused(f"body: sheet {sheet!r} is not readable ({type(exc).__name__})") from None


def _csv_sheets(source: IO[bytes]) -> Iterator[tuple[str, Iterator[list[Any]]]]:
    raw = source.read()
    if not raw.strip():
        raise UploadRefused("body: empty; upload the documents workbook (xlsx) or its CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            raise UploadRefused("body: a CSV must be UTF-8 or Windows-1252 text") from None
    if "\x00" in text:
        raise UploadRefused("body: a CSV holds no NUL characters; is this a workbook sent as text/csv?")
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    yield "CSV", _guarded(_csv_values(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), "CSV")


def _csv_values(reader: Iterable[list[str]]) -> Iterator[list[Any]]:
    try:
        for row in reader:
            yield [unneutralise(value) for value in row]
    except csv.Error as exc:
        raise UploadRefused(f"body: not a readable CSV ({exc})") from None
