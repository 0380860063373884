"""Validation of credit and debit notes, deletions and Bills of Entry (docs/rules.md §8, §9)."""

from datetime import date

import pytest

from services.common.gst.periods import Period
from services.ingest.domain.documents import Document
from services.ingest.domain.validation import (
    validate_boe,
    validate_invoice,
    validate_note,
)
from tests.support.validation_rows import DROP, OTHER_STATE, boe, codes, ctx, invoice

SEZ_UNIT = "27AAPFU0939F1ZV"  # the SEZ unit that supplied the goods


def test_credit_note_goes_to_the_credit_note_section():
    raw = invoice(inum=DROP, idt=DROP, ntty="C", nt_num="CN/1", nt_dt="20-10-2025")
    doc = validate_note(raw, ctx("cdnr"))
    assert isinstance(doc, Document) and (doc.section, doc.note_type, doc.number) == ("b2bcn", "C", "CN/1")


def test_debit_note_amendment_carries_the_original_note():
    raw = invoice(inum=DROP, idt=DROP, ntty="D", nt_num="DN/2", nt_dt="20-10-2025", ont_num="DN/1", ont_dt="25-09-2025")
    doc = validate_note(raw, ctx("cdnra"))
    assert isinstance(doc, Document) and (doc.section, doc.orig_number) == ("b2bdna", "DN/1")


@pytest.mark.parametrize(("ntty", "code"), [(DROP, "MISSING_FIELD"), ("X", "INVALID_FIELD")])
def test_note_type_is_required(ntty, code):
    raw = invoice(inum=DROP, idt=DROP, ntty=ntty, nt_num="CN/1", nt_dt="20-10-2025")
    assert codes(validate_note(raw, ctx("cdnr"))) == {"ntty": code}


def test_deletion_checks_only_the_identity_of_the_document():
    doc = validate_invoice({"inum": "INV/1", "idt": "03-10-2025", "flag": "D", "pos": "99"}, ctx())
    assert isinstance(doc, Document) and doc.deleted and doc.number == "INV/1"
    assert doc.pos == "29" and doc.value == 0


def test_deletion_with_a_bad_identity_is_refused():
    raw = {"inum": "INV 1", "idt": "03-10-2025", "flag": "D"}
    assert codes(validate_invoice(raw, ctx())) == {"inum": "INVALID_NUMBER"}
    assert codes(validate_invoice({**raw, "inum": "INV/1"}, ctx(recipient="X"))) == {"ctin": "INVALID_GSTIN"}


def test_bill_of_entry_is_a_self_import_in_the_month_of_its_reference_date():
    doc = validate_boe(boe())
    assert isinstance(doc, Document)
    assert (doc.section, doc.supplier, doc.recipient, doc.pos, doc.inv_typ) == (
        "impg",
        OTHER_STATE,
        OTHER_STATE,
        "29",
        "IMPG",
    )
    assert (doc.return_period, doc.source_form, doc.value, doc.port_code) == (
        Period(2025, 10),
        "BOE",
        11800000,
        "INNSA1",
    )
    assert not doc.reverse_charge and doc.cgst == doc.sgst == 0


def test_sez_bill_of_entry_amendment_goes_to_impgseza_with_its_original():
    doc = validate_boe(boe(is_sez="Y", amd="Y", oboe_num="7654321", oboe_dt="01-09-2025", sez_gstin=SEZ_UNIT))
    assert isinstance(doc, Document)
    assert (doc.section, doc.inv_typ, doc.orig_number, doc.orig_date, doc.sez_supplier) == (
        "impgseza",
        "IMPGSEZ",
        "7654321",
        date(2025, 9, 1),
        SEZ_UNIT,
    )


def test_a_bill_of_entry_of_goods_from_an_sez_names_the_sez_supplier_and_no_other_bill_names_one():
    """docs/rules.md §1.6: GSTR-2B lists an SEZ supply under its supplier (`impgsez[].ctin`)."""
    doc = validate_boe(boe(is_sez="Y", sez_gstin=SEZ_UNIT))
    assert isinstance(doc, Document) and (doc.section, doc.supplier, doc.sez_supplier) == (
        "impgsez",
        OTHER_STATE,
        SEZ_UNIT,
    )
    assert codes(validate_boe(boe(is_sez="Y"))) == {"sez_gstin": "MISSING_FIELD"}
    assert codes(validate_boe(boe(is_sez="Y", sez_gstin="27AAPFU0939F1ZX"))) == {"sez_gstin": "INVALID_GSTIN"}
    assert codes(validate_boe(boe(is_sez="Y", sez_gstin=OTHER_STATE))) == {"sez_gstin": "SELF_SUPPLY"}
    refused = validate_boe(boe(sez_gstin=SEZ_UNIT))
    assert codes(refused) == {"sez_gstin": "INVALID_FIELD"}
    assert isinstance(refused, list) and refused[0].message.startswith(
        "sez_gstin: only a Bill of Entry of goods from an SEZ (is_sez Y)"
    )
    assert validate_boe(boe(is_sez=DROP, sez_gstin=SEZ_UNIT)) == refused, "an absent is_sez is N"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"port_code": "INNSA"}, {"port_code": "INVALID_PORT_CODE"}),
        ({"boe_num": "12345678"}, {"boe_num": "INVALID_NUMBER"}),
        ({"boe_dt": "01-11-2025"}, {"boe_dt": "DATE_OUT_OF_RANGE"}),
        ({"refdt": "2025-10-10"}, {"refdt": "INVALID_DATE"}),
        ({"iamt": DROP}, {"iamt": "MISSING_FIELD"}),
        ({"txval": 1.5}, {"txval": "INVALID_AMOUNT"}),
        ({"rtin": "29AABCM7710Q1Z"}, {"rtin": "INVALID_GSTIN"}),
        ({"is_sez": "X"}, {"is_sez": "INVALID_FIELD"}),
        ({"amd": "Y"}, {"oboe_num": "MISSING_FIELD", "oboe_dt": "MISSING_FIELD"}),
        ({"boe_dt": "11-10-2025"}, {"boe_dt": "DATE_OUT_OF_RANGE"}),  # after its reference date
        ({"amd": "Y", "oboe_num": "7654321", "oboe_dt": "01-11-2025"}, {"oboe_dt": "DATE_OUT_OF_RANGE"}),
    ],
)
def test_bad_bills_of_entry_are_refused(changes, expected):
    assert codes(validate_boe(boe(**changes))) == expected
