"""What `GET .../recon` shows (docs/rules.md §10.4): filters by period, supplier, category and section, and the
summary per category and per supplier with signed differences and the share actioned, exactly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.common.gst.periods import Period
from services.recon.domain.documents import Amounts, BookDoc, ImsDoc
from services.recon.domain.policy import Policy
from services.recon.domain.reconcile import reconcile
from services.recon.domain.summary import Filter, selected, summary

SUPPLIER, OTHER = "27AAPFU0939F1ZV", "24AANFA2641L1ZF"
OCT, NOV = date(2025, 10, 6), date(2025, 11, 6)


def book(voucher: str, number: str, txval: int, day: date = OCT, ctin: str = SUPPLIER) -> BookDoc:
    return BookDoc(voucher, ctin, "INV", number, day, day, "29", False, Amounts(txval, txval * 18 // 100, 0, 0, 0))


def doc(key: str, number: str, txval: int, day: date = OCT, section: str = "b2b", action: str = "N") -> ImsDoc:
    amounts = Amounts(txval, txval * 18 // 100, 0, 0, 0)
    return ImsDoc(key, section, SUPPLIER, number, day, "29", False, amounts, action=action)


def outcomes() -> list:
    books = [book("V1", "A-1", 100_000), book("V2", "A-2", 150_000), book("V3", "Z-9", 70_000, NOV, OTHER)]
    ims = [doc("D1", "A-1", 100_000, action="A"), doc("D2", "A-2", 100_000), doc("D3", "A-3", 40_000, NOV),
           doc("D4", "C-1", 10_000, section="b2bcn")]  # fmt: skip
    return list(reconcile(books, ims, Policy()).outcomes)


def test_filters_select_by_period_supplier_category_and_section() -> None:
    found = outcomes()

    def keys(chosen: Filter) -> set[str]:
        return {o.book.voucher_id if o.book else o.ims.doc_key if o.ims else "" for o in selected(found, chosen)}

    assert keys(Filter(period=Period(2025, 11))) == {"V3", "D3"}
    assert keys(Filter(supplier=OTHER)) == {"V3"}
    assert keys(Filter(category="mismatch")) == {"V2"}
    assert keys(Filter(section="b2bcn")) == {"D4"}
    assert keys(Filter(period=Period(2025, 10), category="only_in_ims")) == {"D4"}


def test_the_summary_counts_and_signs_differences_books_minus_supplier_and_shares_actioned_exactly() -> None:
    found = summary(outcomes())
    categories = found["by_category"]
    assert isinstance(categories, dict)
    assert categories["exact"] == {"count": 1, "taxable_difference": 0, "tax_difference": 0}
    assert categories["mismatch"] == {"count": 1, "taxable_difference": 50_000, "tax_difference": 9_000}
    assert categories["only_in_ims"] == {"count": 2, "taxable_difference": -50_000, "tax_difference": -9_000}
    assert categories["only_in_books"]["count"] == 1 and categories["manual"]["count"] == 0
    by_supplier = found["by_supplier"]
    assert isinstance(by_supplier, list)
    assert [(s["ctin"], s["ims"], s["actioned"], s["actioned_percent"]) for s in by_supplier] == [
        (OTHER, 0, 0, "0.00"),
        (SUPPLIER, 4, 1, "25.00"),
    ]
    every_one = [replace(o, ims=replace(o.ims, action="R")) for o in outcomes() if o.ims is not None]
    all_actioned = summary(every_one)["by_supplier"]
    assert isinstance(all_actioned, list) and all_actioned[0]["actioned_percent"] == "100.00"
