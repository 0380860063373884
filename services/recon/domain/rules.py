"""The matching cascade's rules, in order, and what each compares (docs/rules.md §10.2).

A rule is a conjunction of tests on one (voucher, IMS document) pair of the same kind: the party (the same
supplier GSTIN, or at PAN level another GSTIN of the same PAN), the number (written the same, the same once
normalised, alike, or different), the amounts (the policy's heads equal, or each within its tolerance),
place of supply and reverse charge, and the dates within the window. `failures` lists every test a pair
fails, which is both the rule's verdict (none: it qualifies) and the explanation's material. Among qualifying
pairs the one with the lowest `rank` wins: likeness first (for the rules on alike numbers), then the
smallest sum of amount differences, the nearest dates, and the ids, so the order is total and stable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.recon.domain.documents import Amounts, BookDoc, ImsDoc, pan_of
from services.recon.domain.normalise import Likeness, alike, likeness, normalised, same_key
from services.recon.domain.policy import Policy

SAME, NORMALISED, ALIKE, DIFFERENT = "same", "normalised", "alike", "different"
EQUAL, WITHIN, ANY = "equal", "within", "any"
EXACT, SUGGESTED, MISMATCH = "exact", "suggested", "mismatch"


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    category: str
    number: str
    amounts: str
    pos_rev: bool  # place of supply and reverse charge compared
    dated: bool  # dates within the window
    pan_level: bool = False


GSTIN_RULES = (
    Rule("exact", EXACT, SAME, EQUAL, pos_rev=True, dated=False),
    Rule("suggested_number", SUGGESTED, ALIKE, EQUAL, pos_rev=True, dated=True),
    Rule("suggested_amounts", SUGGESTED, NORMALISED, WITHIN, pos_rev=True, dated=False),
    Rule("suggested_number_amounts", SUGGESTED, ALIKE, WITHIN, pos_rev=True, dated=True),
    Rule("mismatch", MISMATCH, NORMALISED, ANY, pos_rev=False, dated=False),
    Rule("residual", SUGGESTED, DIFFERENT, WITHIN, pos_rev=True, dated=True),
)
PAN_RULES = tuple(
    Rule("pan_level_" + r.name, MISMATCH if r.category == MISMATCH else SUGGESTED, r.number, r.amounts, r.pos_rev,
         r.dated, pan_level=True)
    for r in GSTIN_RULES
)  # fmt: skip


def cascade(policy: Policy) -> tuple[Rule, ...]:
    return GSTIN_RULES + PAN_RULES if policy.pan_level else GSTIN_RULES


@dataclass(frozen=True, slots=True)
class Side:
    """A document prepared once for comparison: its party, PAN, kind, both number keys and its day number."""

    ident: str
    party: str
    pan: str
    kind: str
    number: str
    same: str
    norm: str
    dt: date
    day: int
    pos: str
    rev: bool
    amounts: Amounts
    values: dict[str, int]  # amounts.by_head(), looked up once per comparison


def book_side(doc: BookDoc) -> Side:
    return Side(doc.voucher_id, doc.party, pan_of(doc.party), doc.kind, doc.number, same_key(doc.number),
                normalised(doc.number), doc.dt, doc.dt.toordinal(), doc.pos, doc.rev, doc.amounts,
                doc.amounts.by_head())  # fmt: skip


def ims_side(doc: ImsDoc) -> Side:
    return Side(doc.doc_key, doc.party, pan_of(doc.party), doc.kind, doc.number, same_key(doc.number),
                normalised(doc.number), doc.dt, doc.dt.toordinal(), doc.pos, doc.rev, doc.amounts,
                doc.amounts.by_head())  # fmt: skip


@dataclass(frozen=True, slots=True)
class Failure:
    """One test a pair fails: `what` is party, number, dates, pos, rev, or an amount head."""

    what: str
    books: object
    supplier: object


def heads_of(rule: Rule, policy: Policy) -> tuple[str, ...]:
    return policy.pan_heads if rule.pan_level else policy.heads


def same_block(rule: Rule, b: Side, i: Side) -> bool:
    if b.kind != i.kind:
        return False
    if rule.pan_level:
        return b.party != i.party and b.pan != "" and b.pan == i.pan
    return b.party == i.party


def number_likeness(b: Side, i: Side) -> Likeness:
    return likeness(b.norm, i.norm)


def failures(rule: Rule, b: Side, i: Side, policy: Policy) -> list[Failure]:
    """Every test of `rule` the pair fails (none: the pair qualifies). Numbers compared as the rule says;
    the party is a failure only outside the rule's block."""
    found: list[Failure] = []
    if not same_block(rule, b, i):
        found.append(Failure("party", b.party, i.party))
    if not _number_holds(rule.number, b, i, policy):
        found.append(Failure("number", b.number, i.number))
    gap = abs(b.day - i.day)
    if (rule.dated or rule.number == ALIKE) and gap > policy.date_window_days:
        found.append(Failure("dates", b.dt, i.dt))
    if rule.pos_rev and policy.compare_pos and b.pos != i.pos:
        found.append(Failure("pos", b.pos, i.pos))
    if rule.pos_rev and policy.compare_rev and b.rev != i.rev:
        found.append(Failure("rev", b.rev, i.rev))
    if rule.amounts != ANY:
        for head in heads_of(rule, policy):
            mine, theirs = b.values[head], i.values[head]
            if mine != theirs and (rule.amounts == EQUAL or not policy.within(head, mine, theirs)):
                found.append(Failure(head, mine, theirs))
    return found


def _number_holds(test: str, b: Side, i: Side, policy: Policy) -> bool:
    if test == SAME:
        return b.same == i.same
    if test == NORMALISED:
        return b.norm == i.norm
    if test == DIFFERENT:
        return b.norm != i.norm
    return alike(number_likeness(b, i), policy.fuzzy_threshold)


Rank = tuple[float, int, int, str, str]


def rank(rule: Rule, b: Side, i: Side, policy: Policy) -> Rank:
    """The order among a rule's qualifying pairs (lowest first): total and stable."""
    closeness = -number_likeness(b, i).ratio if rule.number == ALIKE else 0.0
    distance = sum(abs(b.values[h] - i.values[h]) for h in heads_of(rule, policy))
    return (closeness, distance, abs(b.day - i.day), b.ident, i.ident)
