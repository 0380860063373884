"""The purchase register as CSV: a header of human column names, then one voucher a row (docs/rules.md §10.1).

Headers are matched without regard to case, spaces, hyphens, dots or slashes: "Voucher ID", "Supplier GSTIN",
"Document type", "Document number", "Document date", "Place of supply", "Reverse charge", "Taxable value",
"IGST", "CGST", "SGST", "Cess", "Posting date", "Port code", "BoE number" (or the JSON names); a column
"Tag: NAME" puts its cell into `tags` under NAME. Rows are numbered as a spreadsheet shows them (the header is
row 1); blank rows are skipped; an empty cell is an absent field; a row of more cells than the header names is
refused. Rows are read one at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

from services.common.quoting import cut
from services.recon.domain.purchases import Unreadable
from services.recon.domain.register import BodyRefused, Row, TooManyRows

HEADERS = {  # the template's header, in its order: field → human name
    "voucher_id": "Voucher ID",
    "ctin": "Supplier GSTIN",
    "doc_type": "Document type",
    "inum": "Document number",
    "dt": "Document date",
    "pos": "Place of supply",
    "rev": "Reverse charge",
    "txval": "Taxable value",
    "igst": "IGST",
    "cgst": "CGST",
    "sgst": "SGST",
    "cess": "Cess",
    "posting_date": "Posting date",
    "boe.portcode": "Port code",
    "boe.boenum": "BoE number",
}
TAG_PREFIX = "tag:"


TEMPLATE_TAGS = ("cost_centre",)  # tag columns the template shows as examples (any `Tag: NAME` is read)


def template_header() -> list[str]:
    """The template's header row: every column a register may hold, spelt for people."""
    return [*HEADERS.values(), *(f"Tag: {name}" for name in TEMPLATE_TAGS)]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


ALIASES = {_norm(name): field for field, name in HEADERS.items()} | {_norm(f): f for f in HEADERS}
ALIASES |= {"gstin_of_supplier": "ctin", "bill_of_entry_number": "boe.boenum", "boe_port_code": "boe.portcode"}


def column_of(header: str) -> str | None:
    """The field a header cell names (`tags.NAME` for a tag column), or None."""
    if header.strip().lower().startswith(TAG_PREFIX):
        name = header.strip()[len(TAG_PREFIX) :].strip()
        return f"tags.{name}" if name else None
    return ALIASES.get(_norm(header))


def rows_of_csv(lines: Iterable[str], max_rows: int) -> Iterator[Row]:
    """(row number, the row as the JSON door takes it) for every row that is not blank."""
    records = csv.reader(lines)
    try:
        yield from rows_of_cells(records, max_rows)
    except csv.Error as exc:
        raise BodyRefused(f"body: not CSV at row {records.line_num}: {exc}") from None


def rows_of_cells(records: Iterable[list[str]], max_rows: int) -> Iterator[Row]:
    """The rows of a sheet given as text cells (a CSV's, or a workbook's first sheet's), numbered from 1."""
    columns: list[str] | None = None
    count = 0
    for number, cells in enumerate(records, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = _columns(cells)
            continue
        count += 1
        if count > max_rows:
            raise TooManyRows(f"purchases: more than {max_rows} rows; one request holds at most {max_rows}")
        if len(cells) > len(columns):
            yield number, Unreadable(f"{len(cells)} cells, the header names {len(columns)} (quote a comma)")
            continue
        yield number, _row(columns, cells)
    if columns is None:
        raise BodyRefused("body: no header row; download the template for the columns")
    if count == 0:
        raise BodyRefused("purchases: no rows after the header")


def _row(columns: list[str], cells: list[str]) -> dict[str, object]:
    row: dict[str, object] = {}
    for column, cell in zip(columns, cells, strict=False):
        if not cell.strip():
            continue
        head, _, rest = column.partition(".")
        if rest:
            nested = row.setdefault(head, {})
            assert isinstance(nested, dict)
            nested[rest] = cell.strip()
        else:
            row[column] = cell.strip()
    return row


def _columns(cells: list[str]) -> list[str]:
    columns: list[str] = []
    for position, cell in enumerate(cells, start=1):
        column = column_of(cell)
        if column is None:
            raise BodyRefused(f"header: column {position} {cut(cell.strip())!r} is not a column of the register")
        if column in columns:
            raise BodyRefused(f"header: column {position} {cut(cell.strip())!r} names {column} again")
        columns.append(column)
    if "voucher_id" not in columns:
        raise BodyRefused("header: no Voucher ID column")
    return columns
