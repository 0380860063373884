"""The purchase register's rows (docs/rules.md §10.1): every refusal names its row and field; a voucher's version
hash changes with its content and only with it; CSV with human headers and JSON read a row at a time."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from services.common.jsonstream import RecordRefused
from services.recon.body import read_purchases
from services.recon.domain.csvrows import rows_of_csv, template_header
from services.recon.domain.purchases import Purchase, RowError, check_row
from services.recon.domain.register import BodyRefused, TooManyRows, check_rows
from services.recon.xlsx import rows_of_xlsx

SUPPLIER = "27AAPFU0939F1ZV"


def row(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "voucher_id": "PV-1",
        "ctin": SUPPLIER,
        "doc_type": "INV",
        "inum": "INV/001",
        "dt": "05-10-2025",
        "pos": "29",
        "rev": "N",
        "txval": Decimal("1000.00"),
        "igst": Decimal("180.00"),
        "cgst": 0,
        "sgst": 0,
        "cess": 0,
        "posting_date": "07-10-2025",
        "tags": {"cost_centre": "BLR-01"},
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not ...}


def accepted(raw: dict[str, Any]) -> Purchase:
    found = check_row(1, raw)
    assert isinstance(found, Purchase), found
    return found


def refused(raw: object, number: int = 1) -> RowError:
    found = check_row(number, raw)
    assert isinstance(found, RowError), found
    return found


def test_a_valid_invoice_is_kept_in_exact_paise_with_iso_dates_and_sorted_tags() -> None:
    p = accepted(row(tags={"project": "P9", "cost_centre": "BLR-01"}))
    assert (p.txval, p.igst, p.cgst, p.dt, p.posting_date) == (100000, 18000, 0, "2025-10-05", "2025-10-07")
    assert p.tags == (("cost_centre", "BLR-01"), ("project", "P9"))
    assert (p.portcode, p.boenum) == ("", "")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"voucher_id": " "}, "voucher_id", "MISSING_FIELD"),
        ({"ctin": "27AAPFU0939F1ZX"}, "ctin", "INVALID_GSTIN"),
        ({"ctin": ...}, "ctin", "MISSING_FIELD"),
        ({"doc_type": "INVOICE"}, "doc_type", "INVALID_DOC_TYPE"),
        ({"inum": ...}, "inum", "MISSING_FIELD"),
        ({"dt": "2025-10-05"}, "dt", "INVALID_DATE"),
        ({"dt": "31-02-2025"}, "dt", "INVALID_DATE"),
        ({"dt": "30-06-2017"}, "dt", "INVALID_DATE"),
        ({"pos": "99"}, "pos", "INVALID_POS"),
        ({"pos": 29}, "pos", "INVALID_POS"),
        ({"rev": "yes"}, "rev", "INVALID_FIELD"),
        ({"txval": 1000.5}, "txval", "INVALID_AMOUNT"),
        ({"igst": Decimal("1.005")}, "igst", "INVALID_AMOUNT"),
        ({"cess": "-1"}, "cess", "INVALID_AMOUNT"),
        ({"txval": ...}, "txval", "MISSING_FIELD"),
        ({"posting_date": "7-10-2025"}, "posting_date", "INVALID_DATE"),
        ({"boe": {"portcode": "INMAA1", "boenum": "1234567"}}, "boe", "INVALID_FIELD"),
        ({"tags": {"cost_centre": 12}}, "tags", "INVALID_FIELD"),
        ({"tags": ["BLR"]}, "tags", "INVALID_FIELD"),
        ({"tags": {"cost_centre": "BLR\x00"}}, "tags", "INVALID_FIELD"),
        ({"inum": "INV\x01"}, "inum", "INVALID_FIELD"),
        ({"colour": "red"}, "colour", "INVALID_FIELD"),
    ],
)
def test_every_refusal_names_its_row_and_field(changes: dict[str, Any], field: str, code: str) -> None:
    error = refused(row(**changes), number=7)
    echoed = "" if field == "voucher_id" else "PV-1"
    assert (error.row, error.voucher_id, error.field, error.code) == (7, echoed, field, code)
    assert error.message.startswith(field), error.message
    assert error.report()["error_cd"] == code


def test_a_row_with_several_problems_reports_the_first_field_and_every_message() -> None:
    error = refused(row(pos="99", dt="bad", txval=-1))
    assert error.field == "dt"
    assert "pos:" in error.message and "txval:" in error.message


def test_a_bill_of_entry_needs_port_code_and_number_but_no_supplier_gstin() -> None:
    boe = row(doc_type="BOE", ctin=..., inum=..., boe={"portcode": "INMAA1", "boenum": "1234567"})
    p = accepted(boe)
    assert (p.ctin, p.portcode, p.boenum) == ("", "INMAA1", "1234567")
    assert refused(row(doc_type="BOE", ctin=..., inum=...)).field == "boe"
    error = refused(row(doc_type="BOE", ctin=..., inum=..., boe={"portcode": "MAA", "boenum": "12"}))
    assert (error.field, error.code) == ("boe.portcode", "INVALID_PORT_CODE")
    assert refused(row(doc_type="BOE", ctin=..., boe={"portcode": "INMAA1"})).field == "boe.boenum"


def test_a_row_that_is_not_an_object_is_refused_naming_the_row() -> None:
    error = refused(["PV-1"], number=3)
    assert (error.row, error.field, error.code) == (3, "row", "INVALID_FIELD")


def test_the_version_hash_changes_with_the_content_and_only_with_it() -> None:
    first = accepted(row())
    assert accepted(row(txval="1000", igst=Decimal("180"))).version_hash == first.version_hash
    assert accepted(row(voucher_id="PV-2")).version_hash == first.version_hash
    assert accepted(row(tags={"cost_centre": "BLR-02"})).version_hash != first.version_hash
    assert accepted(row(igst=Decimal("180.01"))).version_hash != first.version_hash
    assert accepted(row(posting_date="08-10-2025")).version_hash != first.version_hash


def test_a_voucher_id_repeated_in_one_request_is_refused_on_its_later_rows_naming_the_first() -> None:
    checked = check_rows([(1, row()), (2, row(inum="X")), (3, row(voucher_id="PV-3")), (4, row(dt="x"))])
    assert [p.voucher_id for p in checked.purchases] == ["PV-1", "PV-3"]
    assert [(e.row, e.code) for e in checked.errors] == [(2, "DUPLICATE_VOUCHER"), (4, "INVALID_DATE")]
    assert "row 1" in checked.errors[0].message


def test_csv_rows_with_human_headers_are_the_json_rows_numbered_as_a_spreadsheet_shows_them() -> None:
    text = (
        "\ufeffVoucher ID,Supplier GSTIN,Document type,Document number,Document date,Place of supply,Reverse charge,"
        "Taxable value,IGST,CGST,SGST,Cess,Posting date,Port code,BoE number,Tag: cost_centre\r\n"
        f"PV-1,{SUPPLIER},INV,INV/001,05-10-2025,29,N,1000.00,180.00,,,,07-10-2025,,,BLR-01\r\n"
        ",,,,,,,,,,,,,,,\r\n"
        "PV-2,,BOE,,05-10-2025,29,N,1000,180,0,0,0,07-10-2025,INMAA1,1234567,\r\n"
        "PV-3,a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p\r\n"
    )
    rows = list(rows_of_csv(io.StringIO(text.removeprefix("\ufeff"), newline=""), 10))
    assert [number for number, _ in rows] == [2, 4, 5]
    checked = check_rows(rows)
    first, boe = checked.purchases
    assert first == accepted(row())
    assert (boe.doc_type, boe.portcode, boe.boenum, boe.tags) == ("BOE", "INMAA1", "1234567", ())
    assert [(e.row, e.field) for e in checked.errors] == [(5, "row")]


def test_a_csv_header_naming_no_column_of_the_register_refuses_the_body() -> None:
    with pytest.raises(BodyRefused, match="column 2 'Colour'"):
        list(rows_of_csv(io.StringIO("Voucher ID,Colour\nPV-1,red\n"), 10))
    with pytest.raises(TooManyRows):
        list(rows_of_csv(io.StringIO("Voucher ID\nA\nB\nC\n"), 2))


def test_a_json_register_is_read_and_checked_a_row_at_a_time_with_boe_and_tags_nested_once() -> None:
    body = {
        "purchases": [
            {**row(), "txval": "1000.00", "igst": "180.00"},
            {
                **row(voucher_id="PV-2", doc_type="BOE", ctin=..., inum=...),
                "boe": {"portcode": "INMAA1", "boenum": "1"},
            },
            "PV-3",
        ]
    }
    raw = json.dumps(body, default=str).replace('"1000.00"', "1000.00").replace('"180.00"', "180.00")
    checked = read_purchases(io.BytesIO(raw.encode()), 10)
    assert [p.voucher_id for p in checked.purchases] == ["PV-1", "PV-2"]
    assert checked.purchases[0] == accepted(row())
    assert [(e.row, e.field) for e in checked.errors] == [(3, "row")]
    with pytest.raises(RecordRefused, match="row 1: tags"):
        read_purchases(io.BytesIO(b'{"purchases": [{"tags": {"a": {"b": 1}}}]}'), 10)
    with pytest.raises(TooManyRows):
        read_purchases(io.BytesIO(b'{"purchases": [{}, {}, {}]}'), 2)
    with pytest.raises(BodyRefused, match="unknown key"):
        read_purchases(io.BytesIO(b'{"rows": []}'), 2)


def test_an_xlsx_register_reads_its_first_sheet_as_the_csv_door_reads_its_rows() -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(template_header())
    sheet.append(["PV-1", SUPPLIER, "INV", "INV/001", datetime(2025, 10, 5), 29, "N", 1000, 0.1 * 1800, None, None])
    sheet.cell(2, 13, datetime(2025, 10, 7))
    sheet.cell(2, 16, "BLR-01")
    sheet.append(["PV-2", SUPPLIER, "INV", "INV/002", "05-10-2025", "29", "N", 1000.005, 0, 0, 0, 0, "07-10-2025"])
    body = io.BytesIO()
    book.save(body)
    body.seek(0)
    checked = check_rows(rows_of_xlsx(body, 10))
    assert checked.purchases == [accepted(row())]
    assert [(e.row, e.field, e.code) for e in checked.errors] == [(3, "txval", "INVALID_AMOUNT")]
    with pytest.raises(BodyRefused, match="not an xlsx"):
        list(rows_of_xlsx(io.BytesIO(b"voucher_id\nPV-1\n"), 10))
