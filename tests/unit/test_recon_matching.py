"""The matching cascade rule by rule (docs/rules.md §10.2): number normalisation, each rule on a pair made for
it, PAN level, manual links, later periods, and the global best-first choice that a first-come matcher gets
wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.recon.domain.documents import Amounts, BookDoc, ImsDoc, Link, kind_of_section
from services.recon.domain.matching import match
from services.recon.domain.normalise import alike, likeness, normalised
from services.recon.domain.policy import InvalidPolicy, Policy
from services.recon.domain.reconcile import reconcile

SUPPLIER = "27AAPFU0939F1ZV"
BRANCH = "29AAPFU0939F1ZX"  # the same PAN, another state
DAY = date(2025, 10, 6)


def book(voucher: str = "V1", number: str = "INV/0042/2025-26", **changes: object) -> BookDoc:
    base = BookDoc(voucher, SUPPLIER, "INV", number, DAY, DAY, "29", False, Amounts(100_000, 18_000, 0, 0, 0))
    return replace(base, **changes)  # type: ignore[arg-type]


def doc(key: str = "D1", number: str = "INV/0042/2025-26", **changes: object) -> ImsDoc:
    base = ImsDoc(key, "b2b", SUPPLIER, number, DAY, "29", False, Amounts(100_000, 18_000, 0, 0, 0))
    return replace(base, **changes)  # type: ignore[arg-type]


def pairs(books: list[BookDoc], ims: list[ImsDoc], policy: Policy | None = None, links: tuple[Link, ...] = ()) -> set:
    found = match(books, ims, policy or Policy(), links)
    return {(p.rule, books[p.book].voucher_id, ims[p.ims].doc_key) for p in found.pairs}


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("INV/0042/2025-26", "INV42"),
        ("inv-42", "INV42"),
        ("FY25-26/INV 42", "INV42"),
        ("FY 2025-26 INV 042", "INV42"),
        ("INV42/2025/2026", "INV42"),
        ("42/2025/2026", "42"),  # 42/20 is no year token and does not hide the one after it
        ("INV-42-2025-2026", "INV42"),
        ("25-26/INV/42", "INV42"),
        ("INV.0042", "INV42"),
        ("A10B01", "A10B1"),
        ("INV-10-12", "INV1012"),  # 10 and 12 are not consecutive years: kept
        ("1225-2610", "12252610"),  # digits run on: no year token
        ("0000", "0"),
        ("2025-26", "202526"),  # nothing but a year: kept, never the empty key
    ],
)
def test_a_number_is_normalised_without_year_tokens_separators_case_or_leading_zeros(written: str, key: str) -> None:
    assert normalised(written) == key


def test_numbers_are_alike_when_one_contains_the_other_or_the_ratio_reaches_the_threshold() -> None:
    assert alike(likeness("SUPPLIERINV1234567", "SUPPLIERINV1234568"), 90)
    assert likeness("SUPPLIERINV1234567", "SUPPLIERINV1234568").score == 94
    assert alike(likeness("123", "INV123"), 90)  # contained whole: partial ratio 100
    assert not alike(likeness("INV77", "INV79"), 90)


def test_the_same_document_on_both_sides_is_exact() -> None:
    assert pairs([book()], [doc()]) == {("exact", "V1", "D1")}


def test_a_number_written_differently_with_the_same_amounts_is_suggested_by_number() -> None:
    assert pairs([book(number="inv-42")], [doc()]) == {("suggested_number", "V1", "D1")}
    typo = "SUPPLIER-INV-1234568"
    assert pairs([book(number="SUPPLIER-INV-1234567")], [doc(number=typo)]) == {("suggested_number", "V1", "D1")}


def test_the_same_number_with_amounts_within_a_rupee_is_suggested_by_amounts() -> None:
    rounded = Amounts(100_099, 18_000, 0, 0, 0)
    assert pairs([book(amounts=rounded)], [doc()]) == {("suggested_amounts", "V1", "D1")}
    over = Amounts(100_101, 18_000, 0, 0, 0)
    assert pairs([book(amounts=over)], [doc()]) == {("mismatch", "V1", "D1")}


def test_an_alike_number_with_amounts_within_a_rupee_is_suggested_by_both() -> None:
    books = [book(number="SUPPLIER-INV-1234567", amounts=Amounts(100_000, 18_050, 0, 0, 0))]
    assert pairs(books, [doc(number="SUPPLIER-INV-1234568")]) == {("suggested_number_amounts", "V1", "D1")}


def test_the_same_number_with_other_values_or_place_of_supply_is_a_mismatch() -> None:
    assert pairs([book(amounts=Amounts(150_000, 27_000, 0, 0, 0))], [doc()]) == {("mismatch", "V1", "D1")}
    assert pairs([book(pos="27")], [doc()]) == {("mismatch", "V1", "D1")}
    assert pairs([book(rev=True)], [doc()]) == {("mismatch", "V1", "D1")}


def test_another_number_with_amounts_within_a_rupee_and_dates_within_ten_days_is_residual() -> None:
    assert pairs([book(number="PO-77", dt=DAY + timedelta(days=10))], [doc()]) == {("residual", "V1", "D1")}
    assert pairs([book(number="PO-77", dt=DAY + timedelta(days=11))], [doc()]) == set()


def test_alike_numbers_need_dates_within_the_window() -> None:
    late = DAY + timedelta(days=11)
    assert pairs([book(number="inv-42", dt=late)], [doc()]) == {("suggested_amounts", "V1", "D1")}  # the same key
    books = [book(number="SUPPLIER-INV-1234567", dt=late)]
    assert pairs(books, [doc(number="SUPPLIER-INV-1234568")]) == set()


def test_the_suppliers_other_branch_pairs_at_pan_level_on_the_total_tax() -> None:
    split = Amounts(100_000, 0, 9_000, 9_000, 0)  # booked as CGST + SGST, reported as IGST
    assert pairs([book(ctin=BRANCH, amounts=split)], [doc()]) == {("pan_level_exact", "V1", "D1")}
    assert pairs([book(ctin=BRANCH, amounts=split)], [doc()], Policy(pan_level=False)) == set()
    outcome = reconcile([book(ctin=BRANCH)], [doc()], Policy()).outcomes[0]
    assert (outcome.category, outcome.rule) == ("suggested", "pan_level_exact")


def test_documents_of_other_kinds_never_pair() -> None:
    assert kind_of_section("b2bcn") == "CN" and kind_of_section("isda") == "INV" and kind_of_section("impgsez") == "BOE"
    assert pairs([book(kind="CN")], [doc()]) == set()
    assert pairs([book(kind="CN")], [doc(section="b2bcn")]) == {("exact", "V1", "D1")}


def test_a_bill_of_entry_pairs_within_its_port_by_its_number() -> None:
    entry = book(ctin="", kind="BOE", number="1234567", portcode="INMAA1")
    imported = doc(section="impg", ctin="29AABCR1718E1ZL", number="1234567", port_code="INMAA1")
    assert pairs([entry], [imported]) == {("exact", "V1", "D1")}
    assert pairs([entry], [replace(imported, port_code="INBOM4")]) == set()


def test_the_best_pair_wins_globally_where_first_come_would_block_the_right_one() -> None:
    """V1 qualifies with D1 (90 paise apart) and D2 (equal); V2 only with D1. Taking V1's first candidate
    would leave V2 alone; ranking every pair pairs V1-D2 and V2-D1."""
    books = [book("V1", "PO-1", amounts=Amounts(100_000, 18_000, 0, 0, 0)),
             book("V2", "PO-2", amounts=Amounts(100_150, 18_000, 0, 0, 0))]  # fmt: skip
    ims = [doc("D1", "X-9", amounts=Amounts(100_090, 18_000, 0, 0, 0)),
           doc("D2", "Y-7", dt=DAY + timedelta(days=1), amounts=Amounts(100_000, 18_000, 0, 0, 0))]  # fmt: skip
    assert pairs(books, ims) == {("residual", "V1", "D2"), ("residual", "V2", "D1")}
    assert pairs(books[::-1], ims[::-1]) == {("residual", "V1", "D2"), ("residual", "V2", "D1")}


def test_ties_are_broken_by_dates_then_ids_whatever_the_input_order() -> None:
    books = [book("V2"), book("V1")]
    ims = [doc("D1", dt=DAY + timedelta(days=2)), doc("D2")]
    assert pairs(books, ims) == {("exact", "V1", "D2"), ("exact", "V2", "D1")}


def test_manual_links_win_over_rules_and_a_link_to_nothing_is_reported_unused() -> None:
    links = (Link("V1", "D2"), Link("V1", "D1"), Link("V9", "D1"))
    found = match([book()], [doc("D1"), doc("D2", number="OTHER")], Policy(), links)
    assert [(p.rule, p.book, p.ims) for p in found.pairs] == [("manual", 0, 1)]
    assert found.unused_links == (Link("V1", "D1"), Link("V9", "D1"))


def test_a_pair_or_document_dated_after_the_period_in_view_is_of_a_later_period() -> None:
    october = date(2025, 10, 31)
    books = [book(posting_date=date(2025, 11, 3)), book("V2", "OWN-1", posting_date=date(2025, 11, 4))]
    ims = [doc(), doc("D2", "NOV-1", dt=date(2025, 11, 2), amounts=Amounts(500, 0, 0, 0, 0))]
    got = {(o.category, o.rule) for o in reconcile(books, ims, Policy(), period_end=october).outcomes}
    assert got == {("later_period", "exact"), ("later_period", "")}
    everything = {o.category for o in reconcile(books, ims, Policy()).outcomes}
    assert everything == {"exact", "only_in_books", "only_in_ims"}


def test_a_policy_refuses_thresholds_it_cannot_apply() -> None:
    for bad in ({"tolerance": "fuzzy"}, {"percent_bp": 10_000}, {"fuzzy_threshold": 0}, {"heads": ("igst",)},
                {"date_window_days": -1}):  # fmt: skip
        with pytest.raises(InvalidPolicy):
            Policy(**bad)  # type: ignore[arg-type]
