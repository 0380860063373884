"""Explanations and suggestions (docs/rules.md §10.2, §10.3): a pair's differences field by field, a lone
document's nearest candidates in sentences, and the suggested IMS action of every category."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.common.gst.remarks import MAX_REMARKS
from services.recon.domain.documents import Amounts, BookDoc, ImsDoc
from services.recon.domain.policy import PERCENT, Policy
from services.recon.domain.reconcile import Outcome, detail_row, reconcile
from services.recon.domain.suggest import Difference, remark_of, suggest

SUPPLIER = "27AAPFU0939F1ZV"
DAY = date(2025, 10, 6)
NUMBER = "SUPPLIER-INV-1234567"


def book(voucher: str = "V1", number: str = NUMBER, **changes: object) -> BookDoc:
    base = BookDoc(voucher, SUPPLIER, "INV", number, DAY, DAY, "29", False, Amounts(100_000, 18_000, 0, 0, 0))
    return replace(base, **changes)  # type: ignore[arg-type]


def doc(key: str = "D1", number: str = NUMBER, **changes: object) -> ImsDoc:
    base = ImsDoc(key, "b2b", SUPPLIER, number, DAY, "29", False, Amounts(100_000, 18_000, 0, 0, 0))
    return replace(base, **changes)  # type: ignore[arg-type]


def outcomes(books: list[BookDoc], ims: list[ImsDoc], policy: Policy | None = None) -> list[Outcome]:
    return list(reconcile(books, ims, policy or Policy()).outcomes)


def test_a_pair_lists_each_differing_field_with_books_value_supplier_value_and_delta() -> None:
    found = outcomes([book(number="supplier inv 1234568", dt=DAY + timedelta(days=2),
                           amounts=Amounts(100_050, 18_000, 0, 0, 0))], [doc()])  # fmt: skip
    assert [(o.category, o.rule) for o in found] == [("suggested", "suggested_number_amounts")]
    assert found[0].differences == (
        Difference("number", "supplier inv 1234568", NUMBER),
        Difference("dt", "2025-10-08", "2025-10-06", 2),
        Difference("txval", 100_050, 100_000, 50),
    )
    assert outcomes([book()], [doc()])[0].differences == ()


def test_a_lone_document_names_its_nearest_candidates_and_what_each_failed() -> None:
    found = outcomes([book(amounts=Amounts(150_000, 18_000, 0, 0, 0))], [doc(number="SUPPLIER-INV-1234568")])
    lone_ims, lone_book = found
    assert (lone_ims.category, lone_book.category) == ("only_in_ims", "only_in_books")
    near = lone_ims.nearest[0]
    assert (near.ident, near.rule) == ("V1", "suggested_number_amounts")
    assert near.why == "number alike (score 94) but taxable value differs by ₹500.00, over the ₹1.00 tolerance"
    assert lone_book.nearest[0].why == near.why


def test_a_candidate_paired_elsewhere_says_with_whom() -> None:
    found = outcomes([book(), book("V2", dt=DAY + timedelta(days=30))], [doc()])
    lone = next(o for o in found if o.category == "only_in_books")
    assert lone.nearest[0].ident == "D1"
    assert lone.nearest[0].why.endswith("; it is paired with V1 (exact)")


def test_explanations_name_dates_place_of_supply_reverse_charge_and_percent_tolerances() -> None:
    far = outcomes([book(number="PO-1", dt=DAY + timedelta(days=15))], [doc()])
    assert far[0].nearest[0].why == "number differs (score 19) but the dates are 15 days apart, over the 10-day window"
    pos = outcomes([book(number="PO-1", pos="27", rev=True)], [doc()])
    assert pos[0].nearest[0].why == (
        "number differs (score 19) but place of supply differs (27 in the books, 29 from the supplier), reverse "
        "charge differs (Y in the books, N from the supplier)"
    )
    percent = Policy(tolerance=PERCENT, percent_bp=50)
    off = outcomes([book(number="PO-1", amounts=Amounts(110_000, 18_000, 0, 0, 0))], [doc()], percent)
    assert off[0].nearest[0].why.endswith("taxable value differs by ₹100.00, over the 0.50% tolerance")


def test_a_detail_row_carries_the_ims_number_key_ctin_voucher_and_suggested_action() -> None:
    note = doc(section="b2bcn", amounts=Amounts(10_000, 1_800, 0, 0, 0))
    row = detail_row(outcomes([book(kind="CN", amounts=Amounts(10_000, 1_800, 0, 0, 0))], [note])[0])
    assert {k: row[k] for k in ("category", "rule", "ctin", "nt_num", "voucher_id", "suggested_action")} == {
        "category": "exact", "rule": "exact", "ctin": SUPPLIER, "nt_num": NUMBER, "voucher_id": "V1",
        "suggested_action": "A"}  # fmt: skip
    assert row["itc_reduction"] == {"igst": 1_800, "cgst": 0, "sgst": 0, "cess": 0}


@pytest.mark.parametrize(
    ("category", "filed", "pending_allowed", "action"),
    [
        ("exact", True, True, "A"),
        ("suggested", True, False, "A"),
        ("manual", True, True, "A"),
        ("exact", False, True, "P"),
        ("suggested", False, False, "N"),
        ("later_period", True, True, "P"),
        ("later_period", True, False, "N"),
        ("mismatch", True, True, "R"),
        ("mismatch", True, False, "R"),
        ("only_in_ims", True, True, "P"),
        ("only_in_ims", True, False, "N"),
    ],
)
def test_the_suggestion_table_for_an_invoice(category: str, filed: bool, pending_allowed: bool, action: str) -> None:
    invoice = doc(filed=filed, pending_allowed=pending_allowed)
    assert suggest(category, invoice, book(), (), Policy()).action == action


def test_a_mismatch_is_rejected_with_a_remark_stating_the_difference_or_kept_pending_by_policy() -> None:
    diff = (Difference("txval", 100_000, 150_000, -50_000), Difference("pos", "29", "27"))
    rejected = suggest("mismatch", doc(), book(), diff, Policy())
    assert (rejected.action, rejected.remark) == (
        "R",
        "Differs from our books: taxable value Rs.1000.00 in our books, Rs.1500.00 in yours; place of supply 29 in "
        "our books, 27 in yours",
    )
    assert suggest("mismatch", doc(), book(), diff, Policy(mismatch_pending=True)).action == "P"
    imported = doc(section="impg")
    assert suggest("mismatch", imported, book(), diff, Policy()).action == "P"  # an import cannot be rejected
    assert suggest("mismatch", replace(imported, pending_allowed=False), book(), diff, Policy()).action == "N"


def test_a_remark_never_passes_250_characters_and_never_cuts_a_difference() -> None:
    many = tuple(Difference(h, 10**12, 1, 10**12 - 1) for h in ("txval", "igst", "cgst", "sgst", "cess")) * 3
    remark = remark_of(many)
    assert len(remark) <= MAX_REMARKS and remark.endswith("in yours")


def test_a_credit_note_missing_from_the_books_is_pending_in_its_window_else_accepted_reducing_itc_in_full() -> None:
    note = doc(section="b2bcn", amounts=Amounts(10_000, 0, 900, 900, 50))
    assert suggest("only_in_ims", note, None, (), Policy()).action == "P"
    closed = suggest("only_in_ims", replace(note, pending_allowed=False), None, (), Policy())
    assert (closed.action, closed.itc_reduction) == ("A", Amounts(0, 0, 900, 900, 50))


def test_an_accepted_credit_note_declares_the_books_reduction_clamped_per_head_to_its_tax() -> None:
    note = doc(section="b2bcn", amounts=Amounts(10_000, 1_800, 0, 0, 100))
    booked = book(kind="CN", amounts=Amounts(10_000, 1_700, 0, 0, 150))
    assert suggest("suggested", note, booked, (), Policy()).itc_reduction == Amounts(0, 1_700, 0, 0, 100)


def test_a_voucher_not_in_ims_has_nothing_to_act_on() -> None:
    assert suggest("only_in_books", None, book(), (), Policy()).action == "N"
