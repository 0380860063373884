"""The matching engine against a brute-force reference (docs/rules.md §10.2): on seeded random registers, with
typos in numbers, financial-year tokens, rounding by paise, a branch GSTIN of the same PAN, duplicates, documents
missing on either side and later-period dates, the engine pairs exactly what trying every candidate pair of
every rule pairs, and puts every document in the same category.

The reference is written from the rule table of docs/rules.md, not from the engine: for each rule in order it
lists every qualifying pair of the free documents (all of them, no index), sorts them by the rule's ranking
and takes them best first while both documents are free.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta

import pytest
from rapidfuzz import fuzz

from services.recon.domain.documents import Amounts, BookDoc, ImsDoc, Link
from services.recon.domain.matching import match
from services.recon.domain.normalise import normalised
from services.recon.domain.policy import PERCENT, Policy
from services.recon.domain.reconcile import reconcile

# name, number test, amounts test, place of supply and reverse charge compared, dates within the window
RULES = (
    ("exact", "same", "equal", True, False),
    ("suggested_number", "alike", "equal", True, True),
    ("suggested_amounts", "normalised", "within", True, False),
    ("suggested_number_amounts", "alike", "within", True, True),
    ("mismatch", "normalised", "any", False, False),
    ("residual", "different", "within", True, True),
)
KIND = {"b2b": "INV", "b2ba": "INV", "ecom": "INV", "b2bdn": "DN", "b2bcn": "CN", "impg": "BOE"}
PERIOD_END = date(2025, 11, 30)


def party(doc: BookDoc | ImsDoc) -> str:
    if isinstance(doc, BookDoc):
        return "port:" + doc.portcode if doc.kind == "BOE" else doc.ctin
    return "port:" + doc.port_code if KIND[doc.section] == "BOE" else doc.ctin


def amount(doc: BookDoc | ImsDoc, head: str) -> int:
    a = doc.amounts
    return a.igst + a.cgst + a.sgst + a.cess if head == "tax" else int(getattr(a, head))


def close(policy: Policy, head: str, x: int, y: int) -> bool:
    if policy.tolerance == PERCENT:
        return abs(x - y) * 10_000 <= policy.percent_bp * max(x, y)
    return abs(x - y) <= (policy.taxable_tolerance if head == "txval" else policy.head_tolerance)


def qualifies(rule: tuple[str, str, str, bool, bool], pan_level: bool, b: BookDoc, i: ImsDoc, p: Policy) -> bool:
    _, number, amounts, pos_rev, dated = rule
    if b.kind != KIND[i.section]:
        return False
    pb, pi = party(b), party(i)
    if pan_level:
        if pb == pi or pb.startswith("port:") or pb[2:12] != pi[2:12]:
            return False
    elif pb != pi:
        return False
    nb, ni = normalised(b.number), normalised(i.number)
    days = abs((b.dt - i.dt).days)
    if number == "same" and b.number.strip().upper() != i.number.strip().upper():
        return False
    if number == "normalised" and nb != ni:
        return False
    if number == "different" and nb == ni:
        return False
    if number == "alike" and not (
        nb == ni or fuzz.ratio(nb, ni) >= p.fuzzy_threshold or (nb and ni and fuzz.partial_ratio(nb, ni) == 100)
    ):
        return False
    if (dated or number == "alike") and days > p.date_window_days:
        return False
    if pos_rev and ((p.compare_pos and b.pos != i.pos) or (p.compare_rev and b.rev != i.rev)):
        return False
    heads = p.pan_heads if pan_level else p.heads
    if amounts == "equal":
        return all(amount(b, h) == amount(i, h) for h in heads)
    return amounts == "any" or all(close(p, h, amount(b, h), amount(i, h)) for h in heads)


def ranking(rule: tuple[str, str, str, bool, bool], pan_level: bool, b: BookDoc, i: ImsDoc, p: Policy) -> tuple:
    nb, ni = normalised(b.number), normalised(i.number)
    likeness = 100.0 if nb == ni else fuzz.ratio(nb, ni)
    heads = p.pan_heads if pan_level else p.heads
    distance = sum(abs(amount(b, h) - amount(i, h)) for h in heads)
    return (-likeness if rule[1] == "alike" else 0.0, distance, abs((b.dt - i.dt).days), b.voucher_id, i.doc_key)


def reference(
    books: Sequence[BookDoc], ims: Sequence[ImsDoc], p: Policy, links: Sequence[Link] = ()
) -> set[tuple[str, str, str]]:
    """(rule, voucher id, doc key) of every pair, by brute force."""
    pairs: set[tuple[str, str, str]] = set()
    free_books = {b.voucher_id: b for b in books}
    free_ims = {i.doc_key: i for i in ims}
    for link in links:
        if link.voucher_id in free_books and link.doc_key in free_ims:
            pairs.add(("manual", link.voucher_id, link.doc_key))
            del free_books[link.voucher_id], free_ims[link.doc_key]
    levels = (False, True) if p.pan_level else (False,)
    for pan_level in levels:
        for rule in RULES:
            qualifying = sorted(
                (ranking(rule, pan_level, b, i, p), b.voucher_id, i.doc_key)
                for b in free_books.values()
                for i in free_ims.values()
                if qualifies(rule, pan_level, b, i, p)
            )
            for _, voucher, key in qualifying:
                if voucher in free_books and key in free_ims:
                    pairs.add((("pan_level_" if pan_level else "") + rule[0], voucher, key))
                    del free_books[voucher], free_ims[key]
    return pairs


def reference_categories(
    books: Sequence[BookDoc], ims: Sequence[ImsDoc], pairs: set[tuple[str, str, str]]
) -> set[tuple[str, str, str]]:
    """(category, voucher id or "", doc key or "") of every document, from the pairs."""
    by_voucher = {b.voucher_id: b for b in books}
    by_key = {i.doc_key: i for i in ims}
    found = set()
    for rule, voucher, key in pairs:
        category = "manual" if rule == "manual" else "exact" if rule == "exact" else "suggested"
        category = "mismatch" if rule.endswith("mismatch") else category
        if category != "manual" and (by_voucher[voucher].posting_date > PERIOD_END or by_key[key].dt > PERIOD_END):
            category = "later_period"
        found.add((category, voucher, key))
    paired_vouchers = {v for _, v, _ in pairs}
    paired_keys = {k for _, _, k in pairs}
    for b in books:
        if b.voucher_id not in paired_vouchers:
            found.add(("later_period" if b.posting_date > PERIOD_END else "only_in_books", b.voucher_id, ""))
    for i in ims:
        if i.doc_key not in paired_keys:
            found.add(("later_period" if i.dt > PERIOD_END else "only_in_ims", "", i.doc_key))
    return found


# --- random registers -----------------------------------------------------------------------------------------

PANS = ("AAPFU0939F", "AABCR1718E", "AACCT4321K")
STATES = ("27", "29")
SECTIONS = ("b2b", "b2b", "b2b", "b2b", "b2bdn", "b2bcn", "impg")


def gstin(state: str, pan: str) -> str:
    return f"{state}{pan}1Z5"


def number_variant(rng: random.Random, serial: int) -> str:
    """The same document number as another desk might write it."""
    forms = (f"SALESINV/{serial:04d}/2025-26", f"salesinv-{serial}", f"FY25-26/SALESINV {serial:03d}",
             f"SALESINV{serial}/2025/2026", f"SALES INV {serial}", f"SALES-INV-{serial:05d}-25-26")  # fmt: skip
    return rng.choice(forms)


def typo(rng: random.Random, text: str) -> str:
    at = rng.randrange(len(text))
    if rng.random() < 0.5:
        return text[:at] + rng.choice("0123456789X") + text[at + 1 :]
    return text[:at] + rng.choice("0123456789") + text[at:]


def register(seed: int, size: int) -> tuple[list[BookDoc], list[ImsDoc], list[Link]]:
    rng = random.Random(seed)
    books: list[BookDoc] = []
    ims: list[ImsDoc] = []
    for n in range(size):
        section = rng.choice(SECTIONS)
        kind = KIND[section]
        pan = rng.choice(PANS)
        ctin = gstin(rng.choice(STATES), pan)
        serial = rng.randrange(1, size // 2 + 2)  # numbers repeat: duplicates and near misses
        day = date(2025, 10, 1) + timedelta(days=rng.randrange(75))
        txval = rng.choice((100_000, 100_050, 250_000, 99_990, 500_000, 100_000 + rng.randrange(300)))
        tax = txval * 18 // 100
        amounts = Amounts(txval, tax, 0, 0, 0) if rng.random() < 0.6 else Amounts(txval, 0, tax // 2, tax // 2, 0)
        pos, rev = "29", rng.random() < 0.1
        port = rng.choice(("INMAA1", "INBOM4"))
        supplier_number = str(serial) if kind == "BOE" else number_variant(rng, serial)
        doc = ImsDoc(f"D{n:04d}", section, ctin, supplier_number, day, pos, rev, amounts,
                     filed=rng.random() < 0.85, pending_allowed=rng.random() < 0.7, port_code=port)  # fmt: skip
        fate = rng.random()
        if fate < 0.1:
            ims.append(doc)  # missing in the books
            continue
        books_number = str(serial) if kind == "BOE" else number_variant(rng, serial)
        book = BookDoc(f"V{n:04d}", "" if kind == "BOE" else ctin, kind, books_number, day, day + timedelta(days=2),
                       pos, rev, amounts, portcode=port if kind == "BOE" else "")  # fmt: skip
        book = perturbed(rng, book, pan)
        if fate < 0.2:
            books.append(book)  # not reported by the supplier
            continue
        ims.append(doc)
        books.append(book)
        if rng.random() < 0.05:
            ims.append(replace(doc, doc_key=f"D{n:04d}-dup"))
        if rng.random() < 0.05:
            books.append(replace(book, voucher_id=f"V{n:04d}-dup"))
    links = [Link(b.voucher_id, i.doc_key) for b, i in zip(rng.sample(books, 2), rng.sample(ims, 2), strict=True)]
    links.append(Link("V-none", ims[0].doc_key))
    return books, ims, links


def perturbed(rng: random.Random, book: BookDoc, pan: str) -> BookDoc:
    """The books' copy with the slips accountants make, one or (a third of the time) two."""
    book = slipped(rng, book, pan)
    return slipped(rng, book, pan) if rng.random() < 0.33 else book


def slipped(rng: random.Random, book: BookDoc, pan: str) -> BookDoc:
    roll = rng.random()
    if roll < 0.1 and book.kind != "BOE":
        book = replace(book, number=typo(rng, book.number))
    elif roll < 0.2:
        a = book.amounts
        book = replace(book, amounts=replace(a, txval=a.txval + rng.choice((-150, -100, -1, 1, 99, 100, 101, 5000))))
    elif roll < 0.27:
        a = book.amounts
        book = replace(book, amounts=replace(a, cess=a.cess + rng.choice((1, 100, 250))))
    elif roll < 0.34:
        book = replace(book, dt=book.dt + timedelta(days=rng.choice((-12, -5, 3, 10, 11, 40))))
    elif roll < 0.42 and book.kind != "BOE":
        other = gstin("27" if book.ctin.startswith("29") else "29", pan)
        book = replace(book, ctin=other)  # the supplier's other branch
    elif roll < 0.46:
        book = replace(book, pos="27")
    elif roll < 0.5:
        book = replace(book, rev=not book.rev)
    elif roll < 0.56:
        book = replace(book, posting_date=book.posting_date + timedelta(days=rng.choice((20, 45))))
    elif roll < 0.6 and book.kind != "BOE":
        book = replace(book, number=book.number + "A")
    return book


POLICIES = {
    "defaults": Policy(),
    "percent": Policy(version=2, tolerance=PERCENT, percent_bp=50),
    "no_pan_level": Policy(version=3, pan_level=False, compare_rev=False, date_window_days=5),
    "strict": Policy(version=4, head_tolerance=0, taxable_tolerance=500, fuzzy_threshold=80, compare_pos=False),
}


@pytest.mark.parametrize("policy_name", sorted(POLICIES))
@pytest.mark.parametrize("seed", range(12))
def test_the_engine_pairs_and_categorises_as_brute_force_does(seed: int, policy_name: str) -> None:
    policy = POLICIES[policy_name]
    books, ims, links = register(seed, 70)
    expected = reference(books, ims, policy, links)
    rng = random.Random(seed)
    shuffled_books, shuffled_ims = rng.sample(books, len(books)), rng.sample(ims, len(ims))
    matching = match(shuffled_books, shuffled_ims, policy, links)
    got = {(p.rule, shuffled_books[p.book].voucher_id, shuffled_ims[p.ims].doc_key) for p in matching.pairs}
    assert got == expected
    assert {p[0] for p in expected} >= {"exact", "manual"}
    outcomes = reconcile(shuffled_books, shuffled_ims, policy, links, PERIOD_END).outcomes
    categories = {(o.category, o.book.voucher_id if o.book else "", o.ims.doc_key if o.ims else "") for o in outcomes}
    assert categories == reference_categories(books, ims, expected)


def test_the_random_registers_reach_every_rule_and_category() -> None:
    """The generator is good enough: over the seeds every rule pairs something and every category occurs."""
    rules: set[str] = set()
    categories: set[str] = set()
    for seed in range(40):
        books, ims, links = register(seed, 70)
        for o in reconcile(books, ims, Policy(), links, PERIOD_END).outcomes:
            rules.add(o.rule)
            categories.add(o.category)
    every_rule = {r[0] for r in RULES} | {"pan_level_" + r[0] for r in RULES}
    assert rules == every_rule | {"manual", ""}
    assert categories == {"exact", "suggested", "mismatch", "manual", "only_in_ims", "only_in_books", "later_period"}


@pytest.mark.parametrize("seed", range(3))
def test_larger_registers_agree_too(seed: int) -> None:
    books, ims, links = register(100 + seed, 220)
    found = match(books, ims, Policy(), links)
    pairs = {(p.rule, books[p.book].voucher_id, ims[p.ims].doc_key) for p in found.pairs}
    assert pairs == reference(books, ims, Policy(), links)
