"""Reading an uploaded workbook or CSV (services/actions/commands/upload_file.py, docs/rules.md §8.4): the
download read back cell for cell, formulas and neutralised text told apart, and a body that is no documents
workbook refused naming the problem, within bounded memory."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from services.actions.commands.upload_file import (
    MAX_PART,
    MAX_UNPACKED,
    XLSX_MEDIA,
    SheetRow,
    UploadRefused,
    kind_of,
    read_rows,
)
from services.actions.domain.upload_rows import Formula
from services.actions.domain.workbook import COLUMNS, HEADERS, sheet_row
from services.actions.views.downloads import documents_csv, documents_xlsx
from services.api.downloads import neutralise, unneutralise
from services.common.jsonstream import TooManyRecords
from tests.support.ims_documents import RECIPIENT, SUPPLIER, credit_note, ims_document

NOTE = credit_note(
    f"b2bcn|{SUPPLIER}|2025|CN-1", version_hash="c" * 64, action="A", itc_red_req="Y",
    decl_igst=9_000, decl_cgst=0, decl_sgst=0, decl_cess=0,
)  # fmt: skip
DOCS = [
    ims_document(f"b2b|{SUPPLIER}|2025|INV-1", version_hash="a" * 64),
    ims_document(
        f"b2b|{SUPPLIER}|2025|INV-2",
        number="INV-2",
        version_hash="b" * 64,
        action="R",
        remarks='=HYPERLINK("http://x","y")',
    ),
    NOTE,
]


def workbook_bytes(docs: list[Any] = DOCS) -> bytes:
    path = Path(documents_xlsx(RECIPIENT, docs))
    try:
        return path.read_bytes()
    finally:
        path.unlink()


def rows_of(body: bytes, kind: str, max_rows: int = 100) -> list[SheetRow]:
    return list(read_rows(io.BytesIO(body), kind, max_rows))


def expected(doc: Any) -> dict[str, Any]:
    """A row as a spreadsheet gives it back: amounts as numbers, dates as date-times."""
    row = sheet_row(doc)
    for key, value in row.items():
        if isinstance(value, Decimal):
            row[key] = float(value)
        elif value is not None and COLUMNS[[c.key for c in COLUMNS].index(key)].kind == "date":
            row[key] = datetime(value.year, value.month, value.day)
    return row


def test_every_sheet_of_the_download_reads_back_with_openpyxl_and_the_upload_reads_every_cell() -> None:
    body = workbook_bytes()
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["IMS", "Read me"]
    sheet = book["IMS"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == HEADERS and len(values) == 1 + len(DOCS)
    hidden = {HEADERS[i - 1] for d in sheet.column_dimensions.values() if d.hidden for i in range(d.min, d.max + 1)}
    assert hidden == {"Document hash", "Downloaded as"}
    assert values[2][HEADERS.index("Remarks")] == '\'=HYPERLINK("http://x","y")', "stays text in Excel"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    read_me = dict(book["Read me"].iter_rows(min_row=2, values_only=True))
    assert read_me["GSTIN of recipient"] == RECIPIENT and "/actions/upload" in read_me["Upload"]

    rows = rows_of(body, "xlsx")
    assert [r.row for r in rows] == [2, 3, 4] and {r.sheet for r in rows} == {None}
    for row, doc in zip(rows, DOCS, strict=True):
        assert row.cells == {k: v for k, v in expected(doc).items()}, doc.doc_key


def test_the_csv_download_has_the_same_headers_and_reads_back_as_text() -> None:
    body = b"".join(documents_csv(DOCS))
    assert body.startswith("\ufeff".encode()), "a byte-order mark, so Excel reads UTF-8"
    rows = rows_of(body, "csv")
    assert len(rows) == 3
    assert rows[1].cells["remarks"] == '=HYPERLINK("http://x","y")', "the apostrophe is taken off again"
    assert rows[2].cells["decl_igst"] == "90.00" and rows[2].cells["doc_date"] == "10-10-2025"
    assert body.decode("utf-8-sig").splitlines()[0].split(",")[:3] == list(HEADERS[:3])


def test_a_formula_typed_into_a_cell_is_told_from_text_that_only_looks_like_one() -> None:
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes()))
    sheet = book["IMS"]
    remarks = HEADERS.index("Remarks") + 1
    sheet.cell(2, remarks).value = "=1+2"  # openpyxl writes a formula
    sheet.cell(3, remarks).value = "=HYPERLINK(1)"
    sheet.cell(3, remarks).data_type = "s"  # text, as Excel keeps a value typed after an apostrophe
    sheet.insert_rows(1, 2)  # a title above the header
    sheet.cell(1, 1).value = "Invoices for review"
    buffer = io.BytesIO()
    book.save(buffer)
    rows = rows_of(buffer.getvalue(), "xlsx")
    assert [r.row for r in rows] == [4, 5, 6]
    assert rows[0].cells["remarks"] == Formula("=1+2")
    assert rows[1].cells["remarks"] == "=HYPERLINK(1)"


def test_neutralising_is_undone_exactly_for_every_text() -> None:
    for text in ("=1+2", "+91", "-5", "@x", "\tx", "'=x", "''=x", "'abc", "abc", "", "'"):
        assert unneutralise(neutralise(text)) == text, text
        assert not str(neutralise(text)).startswith(("=", "+", "-", "@", "\t", "\r")), text


def test_a_csv_saved_by_excel_in_windows_1252_with_semicolons_reads_too() -> None:
    lines = [";".join(h.replace("₹", "") for h in HEADERS)]
    row = sheet_row(DOCS[0]) | {"action": "Reject", "remarks": "café"}
    lines.append(";".join("" if row[c.key] is None else str(row[c.key]).replace(";", ",") for c in COLUMNS))
    body = "\r\n".join(lines).encode("cp1252")
    (read,) = rows_of(body, "csv")
    assert (read.cells["remarks"], read.cells["doc_id"]) == ("café", DOCS[0].doc_key)


@pytest.mark.parametrize(
    ("body", "kind", "problem"),
    [
        (b"PK\x03\x04 not really", "xlsx", "not an xlsx workbook"),
        (b"hello", "xlsx", "not an xlsx workbook"),
        (b"", "csv", "empty"),
        (b"a,b,c\n1,2,3\n", "csv", "no sheet has the documents header row"),
        (b"Action,Document id\x00\n", "csv", "NUL"),
        (b"\xff\xfe\x81\x8d", "csv", "UTF-8 or Windows-1252"),
    ],
)
def test_a_body_that_is_no_documents_workbook_is_refused_naming_the_problem(
    body: bytes, kind: str, problem: str
) -> None:
    with pytest.raises(UploadRefused, match=problem):
        rows_of(body, kind)


def test_a_workbook_that_would_unpack_past_the_limit_or_is_damaged_is_refused_before_it_is_parsed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"\0" * (MAX_UNPACKED + 1))
    assert len(buffer.getvalue()) < 1 << 20, "a small body"
    with pytest.raises(UploadRefused, match="unpacks to"):
        rows_of(buffer.getvalue(), "xlsx")
    strings = io.BytesIO()
    with zipfile.ZipFile(strings, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * MAX_PART + b"</sst>")
    with pytest.raises(UploadRefused, match=r"sharedStrings\.xml"):
        rows_of(strings.getvalue(), "xlsx")
    damaged = io.BytesIO()
    with zipfile.ZipFile(damaged, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<not xml")
    with pytest.raises(UploadRefused, match="not a readable xlsx workbook"):
        rows_of(damaged.getvalue(), "xlsx")


def test_more_rows_than_the_limit_refuse_the_upload_whole() -> None:
    body = b"".join(documents_csv(DOCS))
    assert len(rows_of(body, "csv", max_rows=3)) == 3
    with pytest.raises(TooManyRecords, match="more than 2 rows"):
        rows_of(body, "csv", max_rows=2)


def test_the_kind_comes_from_the_content_type_or_the_first_bytes() -> None:
    assert kind_of(XLSX_MEDIA, b"") == "xlsx"
    assert kind_of("text/csv; charset=utf-8", b"PK\x03\x04") == "csv"
    assert kind_of(None, b"PK\x03\x04") == "xlsx" and kind_of("application/octet-stream", b"GSTI") == "csv"
    with pytest.raises(UploadRefused, match="Content-Type: application/json"):
        kind_of("application/json", b"{")
