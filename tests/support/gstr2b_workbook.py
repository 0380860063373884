"""Reading the GSTR-2B workbook back with openpyxl, as a person reads it: the two-row header of a document sheet
(a group's label over its columns), the summary sheets' labelled rows. The labels here are written from the
portal's template (tests/golden-spec/gstr2b-workbook.md), not taken from the code that writes them."""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from typing import Any

import openpyxl
from openpyxl.worksheet.worksheet import Worksheet

HEADER_ROW = 5  # the two-row header of a document sheet starts on row 5, after the title block
SUMMARY_HEADER_ROW = 5

BUCKETS = {  # a summary sheet's bucket rows → GSTN's itcsumm bucket
    "All other ITC - Supplies from registered persons other than reverse charge": "nonrevsup",
    "Inward Supplies from ISD": "isdsup",
    "Inward Supplies liable for reverse charge": "revsup",
    "Import of Goods": "imports",
    "Others": "othersup",
}
_SUPPLIES = {
    "B2B - Invoices": "b2b",
    "B2B - Invoices (Amendment)": "b2ba",
    "B2B - Debit notes": "cdnr",
    "B2B - Debit notes (Amendment)": "cdnra",
}
LEAVES: dict[str, dict[str, str]] = {  # bucket → a leaf row's heading → GSTN's itcsumm leaf
    "nonrevsup": {**_SUPPLIES, "ECO - Documents": "ecom", "ECO - Documents (Amendment)": "ecoma"},
    "isdsup": {"ISD - Invoices": "isd", "ISD - Invoices (Amendment)": "isda"},
    "revsup": _SUPPLIES,
    "imports": {
        "IMPG - Import of goods from overseas": "impg",
        "IMPG (Amendment)": "impga",
        "IMPGSEZ - Import of goods from SEZ": "impgsez",
        "IMPGSEZ (Amendment)": "impgasez",
    },
    "othersup": {
        "B2B - Credit notes": "cdnr",
        "B2B - Credit notes (Amendment)": "cdnra",
        "B2B - Credit notes (Reverse charge)": "cdnrrev",
        "B2B - Credit notes (Reverse charge)(Amendment)": "cdnrarev",
        "ISD - Credit notes": "isd",
        "ISD - Credit notes (Amendment)": "isda",
    },
}
HEADS = ("igst", "cgst", "sgst", "cess")


def load(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(content))


def header(sheet: Worksheet) -> list[tuple[str | None, str]]:
    """(group, label) of every column: a group's label sits over its first column (merged over the rest); a
    column of no group has its label over both rows."""
    columns: list[tuple[str | None, str]] = []
    for c in range(1, sheet.max_column + 1):
        upper, lower = sheet.cell(HEADER_ROW, c).value, sheet.cell(HEADER_ROW + 1, c).value
        if lower is None:
            columns.append((None, upper))
        else:
            columns.append((upper if upper is not None else columns[-1][0], lower))
    return columns


def data_rows(sheet: Worksheet) -> list[list[Any]]:
    """The cells (openpyxl's, with their number formats) of every row below the header."""
    return [list(row) for row in sheet.iter_rows(min_row=HEADER_ROW + 2, max_col=sheet.max_column)]


def by_label(sheet: Worksheet) -> list[dict[str, Any]]:
    """Each row's values by its column's label, `group: label` for a grouped column."""
    names = [label if group is None else f"{group}: {label}" for group, label in header(sheet)]
    return [dict(zip(names, (c.value for c in row), strict=True)) for row in data_rows(sheet)]


@dataclass(frozen=True)
class SummaryLine:
    number: str | None
    heading: str
    reference: str | None
    path: tuple[str, ...]  # (bucket,) or (bucket, leaf); () for a part's row
    amounts: tuple[Any, ...]


def summary(sheet: Worksheet) -> list[SummaryLine]:
    """A summary sheet's rows, each placed in GSTN's itcsumm by its heading (and the bucket row above it)."""
    assert [c.value for c in sheet[SUMMARY_HEADER_ROW]] == [
        "S.no.",
        "Heading",
        "GSTR-3B table",
        "Integrated Tax (₹)",
        "Central Tax (₹)",
        "State/UT Tax (₹)",
        "Cess (₹)",
    ]
    lines, bucket = [], ""
    for row in sheet.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, values_only=True):
        number, heading, reference, *amounts = row
        if number in ("Part A", "Part B"):
            path: tuple[str, ...] = ()
        elif number:
            bucket = BUCKETS[heading]
            path = (bucket,)
        else:
            path = (bucket, LEAVES[bucket][heading])
        lines.append(SummaryLine(number, heading, reference, path, tuple(amounts)))
    return lines
