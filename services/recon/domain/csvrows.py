"""The purchase register as CSV: a header of human column names, then one voucher a row (docs/rules.md §10.1).

Headers are matched without regard to case, spaces, hyphens, dots or slashes: "Voucher ID", "Supplier GSTIN",
"Document type", "Document number", "Document date", "Place of supply", "Reverse charge", "Taxable value",
"IGST", "CGST", "SGST", "Cess", "Posting date", "Port code", "BoE number" (or the JSON names); a column
"Tag: NAME" puts its cell into `tags` under NAME. Rows are numbered as a spreadsheet shows them (the header is
row 1); blank rows are skipped; an empty cell is an absent field; a row of more cells than the header names is
refused. Rows are read one at a time, so memory does not grow with the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from services.common import rows
from services.common.rows import Row, Table, norm

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


ALIASES = {norm(name): field for field, name in HEADERS.items()} | {norm(f): f for f in HEADERS}
ALIASES |= {"gstin_of_supplier": "ctin", "bill_of_entry_number": "boe.boenum", "boe_port_code": "boe.portcode"}


def column_of(header: str) -> str | None:
    """The field a header cell names (`tags.NAME` for a tag column), or None."""
    if header.strip().lower().startswith(TAG_PREFIX):
        name = header.strip()[len(TAG_PREFIX) :].strip()
        return f"tags.{name}" if name else None
    return ALIASES.get(norm(header))


REGISTER = Table(
    column_of=column_of,
    required={"voucher_id": HEADERS["voucher_id"]},
    not_a_column="is not a column of the register",
    expected="",
    no_header="body: no header row; download the template for the columns",
    no_rows="purchases: no rows after the header",
    too_many="purchases: more than {max_rows} rows; one request holds at most {max_rows}",
    too_many_cells="quote a comma",
)


def rows_of_csv(lines: Iterable[str], max_rows: int) -> Iterator[Row]:
    """(row number, the row as the JSON door takes it) for every row that is not blank."""
    return rows.rows_of_csv(lines, REGISTER, max_rows)


def rows_of_cells(records: Iterable[list[str]], max_rows: int) -> Iterator[Row]:
    """The rows of a sheet given as text cells (a CSV's, or a workbook's first sheet's), numbered from 1."""
    return rows.rows_of_cells(records, REGISTER, max_rows)
