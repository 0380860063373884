"""The purchase register's rows (docs/rules.md §10.1): every refusal names its row and field; a voucher's version
hash changes with its content and only with it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.recon.domain.purchases import Purchase, RowError, check_row
from services.recon.domain.register import check_rows

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
