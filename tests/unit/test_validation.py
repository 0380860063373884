"""Validation of invoices (docs/rules.md §9): numbers, dates, places of supply, rates, heads and values."""

import json
from datetime import date
from decimal import Decimal

import pytest

from services.common.gst.periods import Period
from services.ingest.domain.documents import Document
from services.ingest.domain.gstr1 import read_return
from services.ingest.domain.taxes import value_warnings
from services.ingest.domain.validation import (
    Problem,
    validate_invoice,
)
from tests.support.validation_rows import (
    DROP,
    EXAMPLES,
    OTHER_STATE,
    SAME_STATE,
    SUPPLIER,
    codes,
    ctx,
    intra,
    invoice,
    item,
)


@pytest.mark.parametrize("name", ["gstr1-supplier.json", "gstr1-eco-9-5.json"])
def test_example_returns_validate_without_problems(name):
    with (EXAMPLES / name).open() as f:
        payload = json.load(f, parse_float=Decimal)
    contents = read_return(payload, "R1")
    assert contents.entries and not contents.refused


def test_valid_inter_state_invoice_becomes_a_document_in_paise():
    doc = validate_invoice(invoice(), ctx())
    assert isinstance(doc, Document)
    assert (doc.section, doc.supplier, doc.recipient, doc.number) == (
        "b2b",
        SUPPLIER.value,
        OTHER_STATE,
        "INV/1",
    )
    assert (doc.value, doc.taxable, doc.igst, doc.doc_date) == (1180000, 1000000, 180000, date(2025, 10, 3))
    assert doc.items[0].rate == "18" and not doc.deleted


def test_valid_intra_state_invoice_splits_cgst_and_sgst():
    doc = validate_invoice(intra(), ctx(recipient=SAME_STATE))
    assert isinstance(doc, Document) and (doc.cgst, doc.sgst, doc.igst) == (90000, 90000, 0)


def test_absent_rchrg_and_inv_typ_default_to_n_and_r():
    doc = validate_invoice(invoice(rchrg=DROP, inv_typ=DROP), ctx())
    assert isinstance(doc, Document) and (doc.reverse_charge, doc.inv_typ) == (False, "R")


@pytest.mark.parametrize(
    ("inum", "code"),
    [
        ("A" * 17, "INVALID_NUMBER"),
        ("-12", "INVALID_NUMBER"),
        ("INV 1", "INVALID_NUMBER"),
        ("INV_1", "INVALID_NUMBER"),
        ("", "INVALID_NUMBER"),
        (123, "INVALID_NUMBER"),
        (DROP, "MISSING_FIELD"),
    ],
)
def test_bad_document_numbers_are_refused(inum, code):
    assert codes(validate_invoice(invoice(inum=inum), ctx())) == {"inum": code}


def test_sixteen_character_number_with_slash_and_dash_is_fine():
    assert isinstance(validate_invoice(invoice(inum="a/B-1234567890123"[:16]), ctx()), Document)


def test_date_after_the_return_period_names_the_period():
    result = validate_invoice(invoice(idt="31-10-2025"), ctx(period=Period(2025, 9)))
    assert result == [
        Problem("idt", "DATE_OUT_OF_RANGE", "idt: 31-10-2025 is after the last day of return period 092025")
    ]


@pytest.mark.parametrize(
    ("idt", "code"),
    [
        ("2025-10-03", "INVALID_DATE"),
        ("3-10-2025", "INVALID_DATE"),
        ("31-02-2025", "INVALID_DATE"),
        ("30-06-2017", "DATE_OUT_OF_RANGE"),
        (DROP, "MISSING_FIELD"),
    ],
)
def test_bad_document_dates_are_refused(idt, code):
    assert codes(validate_invoice(invoice(idt=idt), ctx())) == {"idt": code}


def test_amendment_needs_a_valid_original_number_and_date():
    raw = invoice(oinum="INV 9", oidt="30-06-2017")
    assert codes(validate_invoice(raw, ctx("b2ba"))) == {
        "oinum": "INVALID_NUMBER",
        "oidt": "DATE_OUT_OF_RANGE",
    }
    assert codes(validate_invoice(invoice(), ctx("b2ba"))) == {
        "oinum": "MISSING_FIELD",
        "oidt": "MISSING_FIELD",
    }


def test_amendment_keeps_its_original_number_and_date():
    doc = validate_invoice(invoice(oinum="INV/0", oidt="28-09-2025"), ctx("b2ba"))
    assert isinstance(doc, Document) and doc.is_amendment
    assert (doc.section, doc.orig_number, doc.orig_date) == ("b2ba", "INV/0", date(2025, 9, 28))


@pytest.mark.parametrize("pos", ["99", "00", "2", 29, DROP])
def test_bad_place_of_supply_is_refused(pos):
    assert codes(validate_invoice(invoice(pos=pos), ctx())).get("pos") in {"INVALID_POS", "MISSING_FIELD"}


def test_pos_96_other_countries_is_accepted():
    assert isinstance(validate_invoice(invoice(pos="96"), ctx()), Document)


@pytest.mark.parametrize("rt", [13, Decimal("18.5"), 18.0, "abc"])
def test_rates_outside_the_gst_list_are_refused(rt):
    assert codes(validate_invoice(invoice(itms=[item(rt=rt)]), ctx())) == {"itms[0].rt": "INVALID_RATE"}


def test_rate_text_is_canonical_without_trailing_zeros():
    doc = validate_invoice(invoice(val=Decimal("10025"), itms=[item(rt=Decimal("0.250"), iamt="25")]), ctx())
    assert isinstance(doc, Document) and doc.items[0].rate == "0.25"


def test_rate_40_before_22_september_2025_is_refused():
    raw = invoice(idt="21-09-2025", val=Decimal("14000"), itms=[item(rt=40, iamt="4000")])
    result = validate_invoice(raw, ctx(period=Period(2025, 9)))
    assert codes(result) == {"itms[0].rt": "INVALID_RATE"}
    assert isinstance(result, list) and "22-09-2025" in result[0].message


def test_rate_40_from_22_september_2025_is_accepted():
    raw = invoice(idt="22-09-2025", val=Decimal("14000"), itms=[item(rt=40, iamt="4000")])
    assert isinstance(validate_invoice(raw, ctx(period=Period(2025, 9))), Document)


@pytest.mark.parametrize(
    ("txval", "reason"),
    [
        (10000.0, "floats are not exact"),
        (Decimal("-1"), "must not be negative"),
        (Decimal("10000.001"), "at most 2 decimal places"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(txval, reason):
    result = validate_invoice(invoice(itms=[item(txval=txval)]), ctx())
    assert codes(result)["itms[0].txval"] == "INVALID_AMOUNT"
    assert isinstance(result, list)
    assert reason in result[0].message and result[0].message.startswith("itms[0].txval: ")


def test_intra_state_supply_with_igst_is_refused():
    result = validate_invoice(invoice(pos="27"), ctx(recipient=SAME_STATE))
    assert codes(result)["itms[0].iamt"] == "TAX_HEAD_MISMATCH"


def test_inter_state_supply_with_cgst_and_sgst_is_refused():
    result = validate_invoice(intra(pos="29"), ctx())
    assert codes(result) == {
        "itms[0].camt": "TAX_HEAD_MISMATCH",
        "itms[0].samt": "TAX_HEAD_MISMATCH",
        "itms[0].iamt": "TAX_RATE_MISMATCH",
    }


def test_sez_supply_with_cgst_is_refused_even_within_the_state():
    result = validate_invoice(intra(inv_typ="SEWP"), ctx(recipient=SAME_STATE))
    assert codes(result)["itms[0].camt"] == "TAX_HEAD_MISMATCH"


def test_sez_supply_with_payment_is_igst_only_within_the_state():
    assert isinstance(validate_invoice(invoice(pos="27", inv_typ="SEWP"), ctx(recipient=SAME_STATE)), Document)


def test_sez_supply_without_payment_must_carry_no_tax():
    result = validate_invoice(invoice(inv_typ="SEWOP"), ctx())
    assert codes(result) == {"itms[0].iamt": "TAX_HEAD_MISMATCH"}
    ok = invoice(inv_typ="SEWOP", val=Decimal("10000"), itms=[item(iamt=0)])
    assert isinstance(validate_invoice(ok, ctx()), Document)


def test_cgst_must_equal_sgst():
    raw = intra(val=Decimal("11790"), itms=[item(iamt=0, camt="900", samt="890")])
    assert codes(validate_invoice(raw, ctx(recipient=SAME_STATE))) == {"itms[0].samt": "TAX_HEAD_MISMATCH"}


def test_tax_off_by_more_than_one_rupee_is_a_rate_mismatch():
    result = validate_invoice(invoice(val=Decimal("11798.99"), itms=[item(iamt="1798.99")]), ctx())
    assert codes(result) == {"itms[0].iamt": "TAX_RATE_MISMATCH"}
    assert isinstance(result, list) and "expected 1800.00" in result[0].message


def test_tax_within_one_rupee_is_accepted():
    raw = invoice(val=Decimal("11799"), itms=[item(iamt="1799")])
    assert isinstance(validate_invoice(raw, ctx()), Document)


def test_differential_rate_of_65_percent_scales_the_expected_tax():
    raw = invoice(diff_percent=Decimal("0.65"), val=Decimal("11170"), itms=[item(iamt="1170")])
    doc = validate_invoice(raw, ctx())
    assert isinstance(doc, Document) and doc.diff_percent == "0.65"
    assert codes(validate_invoice(invoice(diff_percent=Decimal("0.65")), ctx())) == {
        "itms[0].iamt": "TAX_RATE_MISMATCH"
    }


def test_diff_percent_other_than_065_is_refused():
    assert codes(validate_invoice(invoice(diff_percent=Decimal("0.5")), ctx())) == {
        "diff_percent": "INVALID_DIFF_PERCENT"
    }


def test_an_invoice_value_off_taxable_value_plus_taxes_is_accepted_as_reported():
    """docs/rules.md §9: other charges, TCS and rounding make `val` differ; GSTN accepts it, so do we."""
    for value in ("11801.01", "20000.00", "0.00"):
        found = validate_invoice(invoice(val=Decimal(value)), ctx())
        assert isinstance(found, Document), found
        assert found.value == int(Decimal(value) * 100)


def test_a_value_below_taxable_value_plus_taxes_by_more_than_a_rupee_is_accepted_with_a_warning():
    """docs/rules.md §9.6: 1,000 taxable + 180 IGST; 1,179.00 is within the rupee, 1,178.99 is not."""
    within, below = (validate_invoice(invoice(val=Decimal(v)), ctx()) for v in ("11799.00", "11798.99"))
    assert isinstance(within, Document) and isinstance(below, Document)
    assert value_warnings(within) == ()
    (warning,) = value_warnings(below)
    assert (warning.field, warning.code) == ("val", "VALUE_BELOW_TAXES")
    assert warning.message == "val: 11798.99 is below taxable value plus taxes 11800.00; accepted as reported"


def test_missing_value_is_a_missing_field():
    assert codes(validate_invoice(invoice(val=DROP), ctx())) == {"val": "MISSING_FIELD"}


@pytest.mark.parametrize(("field", "value"), [("inv_typ", "B2B"), ("rchrg", "y"), ("rchrg", True)])
def test_unknown_choice_values_are_invalid_fields(field, value):
    assert codes(validate_invoice(invoice(**{field: value}), ctx())) == {field: "INVALID_FIELD"}


@pytest.mark.parametrize(
    ("itms", "code"), [(DROP, "MISSING_FIELD"), ([], "INVALID_FIELD"), ([{"num": 1}], "INVALID_FIELD")]
)
def test_items_are_required(itms, code):
    found = codes(validate_invoice(invoice(itms=itms), ctx()))
    assert code in found.values() and "val" not in found


def test_invalid_recipient_gstin_is_refused_with_its_reason():
    result = validate_invoice(invoice(), ctx(recipient="29AABCM7710Q1ZY"))
    assert codes(result) == {"ctin": "INVALID_GSTIN"}
    assert isinstance(result, list) and "check character should be X" in result[0].message


def test_supplier_cannot_be_its_own_recipient():
    assert codes(validate_invoice(intra(), ctx(recipient=SUPPLIER.value))) == {"ctin": "SELF_SUPPLY"}


def test_ecommerce_operator_gstin_must_be_valid_when_present():
    assert codes(validate_invoice(invoice(etin="07AAFCE1049J1C1"), ctx())) == {"etin": "INVALID_GSTIN"}
    doc = validate_invoice(invoice(etin="07AAFCE1049J1C0"), ctx())
    assert isinstance(doc, Document) and doc.ecom_operator == "07AAFCE1049J1C0"


def test_all_problems_of_a_document_are_kept_one_per_field():
    result = validate_invoice(invoice(inum="-", idt="x", pos="99", itms=[item(rt=13, txval=1.5)]), ctx())
    assert codes(result) == {
        "inum": "INVALID_NUMBER",
        "idt": "INVALID_DATE",
        "pos": "INVALID_POS",
        "itms[0].rt": "INVALID_RATE",
        "itms[0].txval": "INVALID_AMOUNT",
    }


def test_rate_and_head_checks_still_run_when_the_recipient_is_invalid():
    raw = invoice(idt="21-09-2025", itms=[item(rt=40, iamt=0, camt="900", samt="900")])
    found = codes(validate_invoice(raw, ctx(recipient="29AABCM7710Q1ZY", period=Period(2025, 9))))
    assert found == {"ctin": "INVALID_GSTIN", "itms[0].rt": "INVALID_RATE"}
    found = codes(validate_invoice(intra(pos="29"), ctx(recipient="bad")))
    assert found["itms[0].camt"] == "TAX_HEAD_MISMATCH"
