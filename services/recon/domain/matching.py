"""The matching cascade: books ↔ IMS documents of one recipient and financial year (docs/rules.md §10.2).

Guarantees:
- Manual links come first and win over every rule; a link naming a document absent or linked already is
  passed over (reported in `Matching.unused_links`).
- Rules apply in cascade order (services/recon/domain/rules.py), each to the documents no earlier rule or
  link paired; every document ends in at most one pair.
- Within a rule the best pair wins globally, not first come: every qualifying pair is ranked (`rules.rank`,
  a total order) and taken best first while both its documents are free, so an early wrong pairing cannot
  block the right one, and the result does not depend on the order of the input.
- No rule compares every voucher with every document: candidates come from an index of the free IMS
  documents of the same party (or PAN) and kind, keyed by the number as written, the normalised number or the
  amounts, or sorted by taxable value and searched within the tolerance. The result is the one a brute-force
  search of all pairs gives (tests/unit/test_recon_reference.py).
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from services.recon.domain.documents import BookDoc, ImsDoc, Link
from services.recon.domain.policy import Policy
from services.recon.domain.rules import (
    ALIKE,
    DIFFERENT,
    EQUAL,
    NORMALISED,
    SAME,
    WITHIN,
    Rank,
    Rule,
    Side,
    book_side,
    cascade,
    failures,
    heads_of,
    ims_side,
    rank,
)

MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class Pair:
    rule: str  # a rule's name, or "manual"
    book: int  # index into the books given
    ims: int  # index into the IMS documents given


@dataclass(frozen=True, slots=True)
class Matching:
    pairs: tuple[Pair, ...]
    books: tuple[Side, ...]
    ims: tuple[Side, ...]
    unused_links: tuple[Link, ...]


def match(books: Sequence[BookDoc], ims: Sequence[ImsDoc], policy: Policy, links: Iterable[Link] = ()) -> Matching:
    """Pair the books with the IMS documents by manual links, then by the cascade of `policy`."""
    book_sides = tuple(book_side(doc) for doc in books)
    ims_sides = tuple(ims_side(doc) for doc in ims)
    pairs, unused = _linked(book_sides, ims_sides, links)
    free_books = set(range(len(book_sides))) - {p.book for p in pairs}
    free_ims = set(range(len(ims_sides))) - {p.ims for p in pairs}
    for rule in cascade(policy):
        found = _best_first(rule, _candidates(rule, book_sides, ims_sides, free_books, free_ims, policy))
        for book, doc in found:
            pairs.append(Pair(rule.name, book, doc))
            free_books.discard(book)
            free_ims.discard(doc)
    return Matching(tuple(pairs), book_sides, ims_sides, tuple(unused))


def _linked(books: Sequence[Side], ims: Sequence[Side], links: Iterable[Link]) -> tuple[list[Pair], list[Link]]:
    by_voucher = {side.ident: n for n, side in enumerate(books)}
    by_key = {side.ident: n for n, side in enumerate(ims)}
    pairs: list[Pair] = []
    unused: list[Link] = []
    taken_books: set[int] = set()
    taken_ims: set[int] = set()
    for link in links:
        book, doc = by_voucher.get(link.voucher_id), by_key.get(link.doc_key)
        if book is None or doc is None or book in taken_books or doc in taken_ims:
            unused.append(link)
            continue
        pairs.append(Pair(MANUAL, book, doc))
        taken_books.add(book)
        taken_ims.add(doc)
    return pairs, unused


def _best_first(rule: Rule, ranked: list[tuple[Rank, int, int]]) -> list[tuple[int, int]]:
    ranked.sort()
    taken_books: set[int] = set()
    taken_ims: set[int] = set()
    chosen = []
    for _, book, doc in ranked:
        if book not in taken_books and doc not in taken_ims:
            taken_books.add(book)
            taken_ims.add(doc)
            chosen.append((book, doc))
    return chosen


def _candidates(
    rule: Rule, books: Sequence[Side], ims: Sequence[Side], free_books: set[int], free_ims: set[int], policy: Policy
) -> list[tuple[Rank, int, int]]:
    """Every qualifying (rank, book, ims) pair of the rule among the free documents."""
    block: Callable[[Side], str] = (lambda s: s.pan) if rule.pan_level else (lambda s: s.party)
    lookup, complete = _lookup(rule, block, ims, free_ims, policy)
    found = []
    for book in sorted(free_books):
        side = books[book]
        if rule.pan_level and not side.pan:
            continue
        for doc in lookup(side):
            other = ims[doc]
            if complete:
                qualifies = not rule.pan_level or side.party != other.party
            else:
                qualifies = not failures(rule, side, other, policy)
            if qualifies:
                found.append((rank(rule, side, other, policy), book, doc))
    return found


def _lookup(
    rule: Rule, block: Callable[[Side], str], ims: Sequence[Side], free: set[int], policy: Policy
) -> tuple[Callable[[Side], Iterable[int]], bool]:
    """The candidate finder of a rule, and whether every candidate it finds qualifies (at PAN level: once its
    GSTIN is another). A dictionary on what every qualifying pair shares (the number as written or normalised,
    equal amounts, place of supply and reverse charge as compared, and for a dated rule the span of days, looked
    up with its two neighbours); for rules on amounts within tolerance with numbers alike or different, the
    block's documents by span of days, sorted by taxable value."""
    if rule.number in (ALIKE, DIFFERENT) and rule.amounts == WITHIN:
        return _taxable_ranges(block, ims, free, policy), False
    number: Callable[[Side], str] = _NUMBER_KEYS.get(rule.number, _no_number)
    heads = heads_of(rule, policy) if rule.amounts == EQUAL else ()
    pos, rev = rule.pos_rev and policy.compare_pos, rule.pos_rev and policy.compare_rev
    dated = rule.dated or rule.number == ALIKE
    width = policy.date_window_days + 1  # a pair within the window falls in the same or a neighbouring span

    def key(s: Side, span: int) -> Hashable:
        return (block(s), s.kind, number(s), s.pos if pos else "", s.rev if rev else False, span,
                *(s.values[h] for h in heads))  # fmt: skip

    index: defaultdict[Hashable, list[int]] = defaultdict(list)
    for doc in sorted(free):
        index[key(ims[doc], ims[doc].day // width if dated else 0)].append(doc)
    complete = rule.number in (SAME, NORMALISED) and rule.amounts != WITHIN and not dated
    if not dated:
        return (lambda side: index.get(key(side, 0), ())), complete

    def near(side: Side) -> Iterable[int]:
        span = side.day // width
        return [doc for at in (span - 1, span, span + 1) for doc in index.get(key(side, at), ())]

    return near, complete


def _same(side: Side) -> str:
    return side.same


def _norm(side: Side) -> str:
    return side.norm


def _no_number(side: Side) -> str:
    return ""


_NUMBER_KEYS: dict[str, Callable[[Side], str]] = {SAME: _same, NORMALISED: _norm}


def _taxable_ranges(
    block: Callable[[Side], str], ims: Sequence[Side], free: set[int], policy: Policy
) -> Callable[[Side], Iterable[int]]:
    """For the rules on amounts within tolerance, all of them dated: the block's documents in spans of days as
    wide as the window plus one (a pair's dates fall in the same or a neighbouring span), each sorted by
    taxable value and searched within the tolerance, so a supplier of many equal invoices is not one long
    range."""
    width = policy.date_window_days + 1
    spans: defaultdict[tuple[str, str, int], list[tuple[int, int]]] = defaultdict(list)
    for doc in free:
        side = ims[doc]
        spans[(block(side), side.kind, side.day // width)].append((side.amounts.txval, doc))
    values: dict[tuple[str, str, int], list[int]] = {}
    for name, entries in spans.items():
        entries.sort()
        values[name] = [value for value, _ in entries]

    def within(side: Side) -> Iterable[int]:
        low, high = policy.taxable_range(side.amounts.txval)
        found: list[int] = []
        for span in (side.day // width - 1, side.day // width, side.day // width + 1):
            name = (block(side), side.kind, span)
            entries = spans.get(name)
            if entries:
                first, last = bisect.bisect_left(values[name], low), bisect.bisect_right(values[name], high)
                found += (doc for _, doc in entries[first:last])
        return found

    return within
