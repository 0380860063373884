from dataclasses import replace
from datetime import date

from services.common.gst.periods import Period
from services.ingest.domain.classification import Route, classify
from services.ingest.domain.documents import Document

MAHARASHTRA_SUPPLIER = "27AAPFK4821M1ZT"
KARNATAKA_RECIPIENT = "29AABCM7710Q1ZX"

INVOICE = Document(
    section="b2b",
    supplier=MAHARASHTRA_SUPPLIER,
    recipient=KARNATAKA_RECIPIENT,
    number="INV/1",
    doc_date=date(2025, 10, 3),
    source_form="R1",
    return_period=Period(2025, 10),
    inv_typ="R",
    pos="29",
    reverse_charge=False,
    value=118000,
    taxable=100000,
    igst=18000,
    cgst=0,
    sgst=0,
    cess=0,
)


def test_plain_invoice_goes_to_ims():
    assert classify(INVOICE, date(2025, 11, 11)) == Route("ims", "ims", "")


def test_saved_but_unfiled_invoice_goes_to_ims():
    assert classify(INVOICE, None) == Route("ims", "ims", "")


def test_reverse_charge_goes_straight_to_gstr2b_revsup():
    assert classify(replace(INVOICE, reverse_charge=True), None) == Route("gstr2b", "revsup", "")


def test_pos_in_supplier_state_for_an_out_of_state_recipient_bars_itc_with_reason_p():
    assert classify(replace(INVOICE, pos="27"), None) == Route("gstr2b", "itcunavl", "P")


def test_pos_rule_does_not_apply_to_imports_or_isd():
    boe = replace(INVOICE, section="impg", supplier=KARNATAKA_RECIPIENT, pos="29")
    isd = replace(INVOICE, section="isd", pos="27")
    assert classify(boe, None) == classify(isd, None) == Route("ims", "ims", "")


def test_filed_after_30_november_of_the_next_year_is_time_barred_with_reason_c():
    assert classify(INVOICE, date(2026, 11, 30)) == Route("ims", "ims", "")
    assert classify(INVOICE, date(2026, 12, 1)) == Route("gstr2b", "itcunavl", "C")


def test_amendment_is_judged_on_its_own_date_not_the_original():
    amended = replace(INVOICE, section="b2ba", orig_number="INV/0", orig_date=date(2024, 6, 1))
    assert classify(amended, date(2025, 12, 1)) == Route("ims", "ims", "")


def test_credit_notes_are_never_time_barred():
    credit = replace(INVOICE, section="b2bcn", note_type="C")
    assert classify(credit, date(2027, 1, 1)) == Route("ims", "ims", "")


def test_reverse_charge_wins_over_pos_and_pos_wins_over_time_limit():
    late = date(2027, 1, 1)
    assert classify(replace(INVOICE, reverse_charge=True, pos="27"), late).part == "revsup"
    assert classify(replace(INVOICE, pos="27"), late).reason == "P"
