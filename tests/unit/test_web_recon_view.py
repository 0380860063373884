"""The reconciliation page's values (services/web/recon_view.py) and its filter (recon_filters.py): the API's
reconciliation laid out books beside supplier, differences flagged by class and by text, lone rows explained,
every summary number a link, amounts in Indian grouping and dates DD-MM-YYYY."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from services.common.gst.periods import Period
from services.recon.domain.documents import Amounts, BookDoc, ImsDoc
from services.recon.domain.policy import Policy
from services.recon.domain.reconcile import reconcile
from services.recon.domain.summary import summary
from services.web import recon_filters, recon_view, render

SUPPLIER, OTHER = "27AAPFU0939F1ZV", "24AANFA2641L1ZF"
OCT = date(2025, 10, 6)


def book(voucher: str, number: str, txval: int, ctin: str = SUPPLIER) -> BookDoc:
    return BookDoc(voucher, ctin, "INV", number, OCT, OCT, "29", False, Amounts(txval, txval * 18 // 100, 0, 0, 0))


def doc(key: str, number: str, txval: int) -> ImsDoc:
    return ImsDoc(key, "b2b", SUPPLIER, number, OCT, "29", False, Amounts(txval, txval * 18 // 100, 0, 0, 0))


def outcomes() -> list:
    books = [book("V1", "A-1", 12_345_678_00), book("V2", "A-2", 150_000), book("V3", "Z-9", 70_000, OTHER)]
    ims = [doc(f"b2b|{SUPPLIER}|x|A-1", "A-1", 12_345_678_00), doc(f"b2b|{SUPPLIER}|x|A-2", "A-2", 100_000),
           doc(f"b2b|{SUPPLIER}|x|B-7", "B-7", 40_000)]  # fmt: skip
    return list(reconcile(books, ims, Policy()).outcomes)


def link(**params: str) -> str:
    return "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))


def test_a_mismatch_shows_books_beside_supplier_with_each_differing_value_flagged() -> None:
    rows = {r.books.ident or r.supplier.number: r for r in recon_view.detail_rows(outcomes(), {SUPPLIER: "Acme"})}
    exact, mismatch = rows["V1"], rows["V2"]
    assert (exact.category_label, exact.rule, exact.differs) == ("Exact match", "Exact", frozenset())
    assert (exact.books.taxable, exact.supplier.date, exact.supplier_name) == ("1,23,45,678.00", "06-10-2025", "Acme")
    assert mismatch.differs == {"taxable", "tax"}
    assert (mismatch.suggested, mismatch.action) == ("Reject", "No Action")
    assert mismatch.remark.startswith("Differs from our books: taxable value Rs.1500.00")
    assert next((d.field, d.books, d.supplier, d.delta) for d in mismatch.differences) == (
        "taxable value",
        "₹1,500.00",
        "₹1,000.00",
        "₹500.00",
    )


def test_a_row_left_alone_says_why_not_matched_with_its_nearest_candidates() -> None:
    rows = {r.books.ident or r.supplier.number: r for r in recon_view.detail_rows(outcomes(), {})}
    lone = rows["B-7"]
    assert lone.unmatched and lone.category_label == "Only in IMS" and lone.supplier.taxable == "400.00"
    assert lone.nearest and all(n.why for n in lone.nearest)
    assert {n.ident for n in lone.nearest} <= {"V1", "V2"}
    assert rows["V3"].category_label == "Only in books" and rows["V3"].nearest == ()


def test_every_summary_number_links_to_its_filtered_rows() -> None:
    found = summary(outcomes())
    lines = {line.key: line for line in recon_view.category_lines(found["by_category"], link)}  # type: ignore[arg-type]
    assert (lines["mismatch"].count.n, lines["mismatch"].count.href) == (1, "?category=mismatch")
    assert lines["mismatch"].taxable_difference == "₹500.00" and lines["manual"].count.text == "0"
    suppliers = recon_view.supplier_lines(found["by_supplier"], {SUPPLIER: "Acme"}, link)  # type: ignore[arg-type]
    acme = next(s for s in suppliers if s.ctin == SUPPLIER)
    assert acme.name == "Acme" and acme.total.n == 3 and acme.total.href == f"?supplier={SUPPLIER}"
    assert acme.counts[0].href == f"?category=exact&supplier={SUPPLIER}" and acme.actioned == "0.00"


def test_the_engines_sentences_keep_their_words_with_amounts_in_indian_grouping() -> None:
    sentence = "taxable value differs by ₹12338678.00, over the ₹1.00 tolerance"
    assert recon_view.grouped(sentence) == "taxable value differs by ₹1,23,38,678.00, over the ₹1.00 tolerance"


def test_rule_names_read_as_words() -> None:
    assert recon_view.rule_label("suggested_number_amounts") == "Suggested number and amounts"
    assert recon_view.rule_label("pan_level_mismatch") == "PAN level: mismatch"
    assert recon_view.rule_label("") == ""


def test_the_filter_checks_as_the_api_does_and_names_what_it_refuses() -> None:
    chosen = recon_filters.read({"period": "102025", "category": "mismatch", "supplier": SUPPLIER.lower()}, 2024)
    assert (chosen.start_year, chosen.chosen.period, chosen.chosen.category) == (2025, Period(2025, 10), "mismatch")
    assert chosen.chosen.supplier == SUPPLIER and chosen.overview.category is None and chosen.problems == ()
    assert chosen.query(category="") == f"period=102025&supplier={SUPPLIER}&fy=2025-26"
    assert recon_filters.read({}, 2024).fy_label == "2024-25"
    refused = recon_filters.read({"fy": "2025-27", "category": "nope", "supplier": "X", "page": "-1"}, 2024)
    assert refused.start_year == 2024 and refused.page == 1 and len(refused.problems) == 3
    assert refused.chosen.category is None and refused.chosen.supplier is None


def page(found: list, **overrides: object) -> str:
    summed = summary(found)
    context: dict[str, object] = dict(
        who=SimpleNamespace(subject="accounts", role="recipient"),
        csrf="x",
        gstin="29AABCR1718E1ZL",
        gstins=["29AABCR1718E1ZL"],
        path="/web/ims/29AABCR1718E1ZL/recon",
        filters=recon_filters.read({"fy": "2025-26"}, 2025),
        years=[2025],
        months=["042025"],
        categories=recon_view.CATEGORY_LABELS,
        sections=[],
        by_category=recon_view.category_lines(summed["by_category"], link),  # type: ignore[arg-type]
        by_supplier=recon_view.supplier_lines(summed["by_supplier"], {}, link),  # type: ignore[arg-type]
        rows=recon_view.detail_rows(found, {}),
        total=len(found),
        overview_total=len(found),
        first=0,
        previous_href="",
        next_href="",
        policy=Policy(),
        links_answer=None,
        to_apply=0,
        once="o",
    )
    return render.fragment("recon.html", **(context | overrides))


def test_the_page_renders_the_flags_as_text_and_a_why_not_matched_row() -> None:
    html = page(outcomes())
    assert html.count("(differs)") == 4, "taxable and tax, on both sides of the mismatch"
    assert "Why not matched" in html and 'aria-current="page">Reconciliation' in html


def test_a_year_with_nothing_to_reconcile_says_how_to_book_the_register() -> None:
    html = page([])
    assert "Nothing to reconcile for 2025-26" in html and "POST /v1/ims/29AABCR1718E1ZL/purchases" in html
    assert 'id="recon-rows"' not in html
