"""One recipient's books against its IMS documents, for one financial year: every document in one category,
with its rule, differences or nearest candidates, and suggested action (docs/rules.md §10.2, §10.3).

A pure function of its inputs (documents, policy, manual links, the period in view): the same inputs give the
same outcomes in the same order. Categories: a pair takes its rule's (exact; suggested, for every suggested
rule, the residual and PAN-level ones; mismatch) or `manual` for a link; a voucher left alone is
`only_in_books`, a document left alone `only_in_ims`. When a period is in view, a pair or a lone document
dated after its last day (the books' posting date, the supplier's document date) is `later_period` instead,
a manual link excepted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.recon.domain.documents import BookDoc, ImsDoc, Link
from services.recon.domain.explain import Near, Neighbours, differences, nearest
from services.recon.domain.matching import MANUAL, match
from services.recon.domain.policy import Policy
from services.recon.domain.rules import cascade
from services.recon.domain.suggest import (
    LATER_PERIOD,
    ONLY_IN_BOOKS,
    ONLY_IN_IMS,
    Difference,
    Suggestion,
    suggest,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    category: str
    rule: str  # "" for a document left alone
    book: BookDoc | None
    ims: ImsDoc | None
    differences: tuple[Difference, ...]
    nearest: tuple[Near, ...]
    suggestion: Suggestion


@dataclass(frozen=True, slots=True)
class Reconciliation:
    policy_version: int
    outcomes: tuple[Outcome, ...]
    unused_links: tuple[Link, ...]


def reconcile(
    books: Sequence[BookDoc],
    ims: Sequence[ImsDoc],
    policy: Policy,
    links: Iterable[Link] = (),
    period_end: date | None = None,
) -> Reconciliation:
    """Match, categorise, explain and suggest; pairs first (by IMS document), then lone IMS documents, then lone
    vouchers, each in id order."""
    matching = match(books, ims, policy, links)
    categories = {rule.name: rule.category for rule in cascade(policy)} | {MANUAL: MANUAL}
    outcomes = []
    paired_books: dict[int, tuple[str, str]] = {}
    paired_ims: dict[int, tuple[str, str]] = {}
    for pair in sorted(matching.pairs, key=lambda p: (ims[p.ims].doc_key, books[p.book].voucher_id)):
        book, doc = books[pair.book], ims[pair.ims]
        paired_books[pair.book] = (doc.doc_key, pair.rule)
        paired_ims[pair.ims] = (book.voucher_id, pair.rule)
        category = categories[pair.rule]
        if category != MANUAL and _later(period_end, book, doc):
            category = LATER_PERIOD
        found = differences(matching.books[pair.book], matching.ims[pair.ims])
        outcomes.append(Outcome(category, pair.rule, book, doc, found, (), suggest(category, doc, book, found, policy)))
    lone_ims = sorted(set(range(len(ims))) - set(paired_ims), key=lambda n: ims[n].doc_key)
    lone_books = sorted(set(range(len(books))) - set(paired_books), key=lambda n: books[n].voucher_id)
    book_index = Neighbours(matching.books, [matching.ims[n] for n in lone_ims])
    ims_index = Neighbours(matching.ims, [matching.books[n] for n in lone_books])
    for n in lone_ims:
        doc = ims[n]
        category = LATER_PERIOD if _later(period_end, None, doc) else ONLY_IN_IMS
        near = nearest(matching.ims[n], False, book_index, matching.books, paired_books, policy)
        outcomes.append(Outcome(category, "", None, doc, (), near, suggest(category, doc, None, (), policy)))
    for n in lone_books:
        book = books[n]
        category = LATER_PERIOD if _later(period_end, book, None) else ONLY_IN_BOOKS
        near = nearest(matching.books[n], True, ims_index, matching.ims, paired_ims, policy)
        outcomes.append(Outcome(category, "", book, None, (), near, suggest(category, None, book, (), policy)))
    return Reconciliation(policy.version, tuple(outcomes), matching.unused_links)


def _later(period_end: date | None, book: BookDoc | None, doc: ImsDoc | None) -> bool:
    if period_end is None:
        return False
    return (book is not None and book.posting_date > period_end) or (doc is not None and doc.dt > period_end)


def detail_row(outcome: Outcome) -> dict[str, object]:
    """The outcome as a JSON detail row: GSTN's number key of the IMS document (`inum`, `nt_num`, `boenum`),
    amounts in paise."""
    doc, book, s = outcome.ims, outcome.book, outcome.suggestion
    row: dict[str, object] = {"category": outcome.category, "rule": outcome.rule}
    row["ctin"] = doc.ctin if doc is not None else book.ctin if book is not None else ""
    if doc is not None:
        row["doc_key"], row["section"], row[doc.number_key] = doc.doc_key, doc.section, doc.number
    row["voucher_id"] = book.voucher_id if book is not None else None
    row["action"] = doc.action if doc is not None else None
    row["suggested_action"], row["reason"] = s.action, s.reason
    if s.remark:
        row["remarks"] = s.remark
    if s.itc_reduction is not None:
        r = s.itc_reduction
        row["itc_reduction"] = {"igst": r.igst, "cgst": r.cgst, "sgst": r.sgst, "cess": r.cess}
    row["differences"] = [
        {"field": d.field, "books": d.books, "supplier": d.supplier, "delta": d.delta} for d in outcome.differences
    ]
    row["nearest"] = [{"id": n.ident, "rule": n.rule, "why": n.why} for n in outcome.nearest]
    return row
