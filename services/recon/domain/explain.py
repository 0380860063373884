"""Why documents paired or did not (docs/rules.md §10.2): a pair's differences field by field, and for a
document left alone its three nearest candidates, each with the rule it came closest to and, in a sentence,
what that rule found wrong ("number alike (score 94) but taxable value differs by ₹500.00, over the ₹1.00
tolerance").

Nearest candidates come from the same indexes the engine uses (the same party or PAN and kind: the same
normalised number, the neighbours by taxable value and by date), never from the whole other side, and are
ordered by how many of number, amounts, dates, place of supply and reverse charge are off, then likeness,
amounts, dates and ids: the same answer on every run.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.common.gst.money import format_rupees
from services.recon.domain.normalise import alike
from services.recon.domain.policy import ABSOLUTE, HEADS, Policy
from services.recon.domain.rules import (
    ALIKE,
    DIFFERENT,
    EQUAL,
    NORMALISED,
    SAME,
    WITHIN,
    Failure,
    Rule,
    Side,
    cascade,
    failures,
    number_likeness,
)
from services.recon.domain.suggest import LABELS, Difference

NEAREST = 3
_NEIGHBOURS = 3  # on each side of a document, by taxable value and by date
_NEEDS = {SAME: "the number written the same", NORMALISED: "the same number", ALIKE: "numbers alike",
          DIFFERENT: "a different number"}  # fmt: skip


def differences(b: Side, i: Side) -> tuple[Difference, ...]:
    """The fields of a pair that differ, books value first; amounts and dates with books minus supplier."""
    found: list[Difference] = []
    if b.party != i.party:
        found.append(Difference("ctin", b.party, i.party))
    if b.same != i.same:
        found.append(Difference("number", b.number, i.number))
    if b.day != i.day:
        found.append(Difference("dt", b.dt.isoformat(), i.dt.isoformat(), b.day - i.day))
    if b.pos != i.pos:
        found.append(Difference("pos", b.pos, i.pos))
    if b.rev != i.rev:
        found.append(Difference("rev", _yn(b.rev), _yn(i.rev)))
    for head in HEADS:
        mine, theirs = b.values[head], i.values[head]
        if mine != theirs:
            found.append(Difference(head, mine, theirs, mine - theirs))
    return tuple(found)


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


@dataclass(frozen=True, slots=True)
class Near:
    """A candidate a document did not pair with: its id, the rule it came closest to, and why it failed."""

    ident: str
    rule: str
    why: str


def closest_rule(b: Side, i: Side, policy: Policy) -> tuple[Rule, list[Failure]]:
    """The rule the pair comes closest to: one whose number test holds (else every pair of different numbers
    would be "a mismatch but for the number"), then the fewest failed tests, then tolerance over equality (its
    sentence names the tolerance), then cascade order."""
    graded = []
    for n, rule in enumerate(cascade(policy)):
        failed = failures(rule, b, i, policy)
        on_number = any(f.what == "number" for f in failed)
        graded.append(((on_number, len(failed), rule.amounts == EQUAL, n), rule, failed))
    _, rule, failed = min(graded, key=lambda g: g[0])
    return rule, failed


def why(b: Side, i: Side, policy: Policy) -> tuple[str, str]:
    """(the closest rule's name, the sentence saying how the pair stands and what failed)."""
    rule, failed = closest_rule(b, i, policy)
    found = number_likeness(b, i)
    if b.same == i.same:
        number = "same number"
    elif b.norm == i.norm:
        number = f"same number once normalised ({b.norm})"
    elif alike(found, policy.fuzzy_threshold):
        number = f"number alike (score {found.score})"
    else:
        number = f"number differs (score {found.score})"
    branch = f"the supplier's other GSTIN {i.party}, " if b.party != i.party and b.pan == i.pan else ""
    if not failed:
        return rule.name, f"{branch}{number}: qualifies"
    return rule.name, f"{branch}{number} but " + ", ".join(_failure(f, rule, policy) for f in failed)


def _failure(f: Failure, rule: Rule, policy: Policy) -> str:
    if f.what == "party":
        return f"another supplier ({f.books} in the books, {f.supplier} from the supplier)"
    if f.what == "number":
        return f"the rule needs {_NEEDS[rule.number]}"
    if f.what == "dates":
        gap = abs((f.books - f.supplier).days)  # type: ignore[operator]
        return f"the dates are {gap} days apart, over the {policy.date_window_days}-day window"
    if f.what == "pos":
        return f"place of supply differs ({f.books} in the books, {f.supplier} from the supplier)"
    if f.what == "rev":
        return f"reverse charge differs ({_yn(bool(f.books))} in the books, {_yn(bool(f.supplier))} from the supplier)"
    assert isinstance(f.books, int) and isinstance(f.supplier, int)
    gap = "₹" + format_rupees(abs(f.books - f.supplier))
    if rule.amounts != WITHIN:
        return f"{LABELS[f.what]} differs by {gap}"
    allowed = f"₹{format_rupees(policy.allowance(f.what))}" if policy.tolerance == ABSOLUTE else _percent(policy)
    return f"{LABELS[f.what]} differs by {gap}, over the {allowed} tolerance"


def _percent(policy: Policy) -> str:
    return f"{policy.percent_bp // 100}.{policy.percent_bp % 100:02d}%"


class Neighbours:
    """The other side's documents indexed for nearest-candidate search: by (party or PAN, kind) the normalised
    numbers, and the documents sorted by taxable value and by date; only the blocks of the documents that
    will ask (`asking`), so a year that pairs almost everything indexes almost nothing."""

    def __init__(self, sides: Sequence[Side], asking: Iterable[Side]) -> None:
        wanted = {(block, side.kind) for side in asking for block in (side.party, side.pan) if block}
        self._sides = sides
        self._numbers: defaultdict[tuple[str, str, str], list[int]] = defaultdict(list)
        self._by: dict[str, defaultdict[tuple[str, str], list[tuple[int, int]]]] = {
            "txval": defaultdict(list), "day": defaultdict(list)}  # fmt: skip
        for n, side in enumerate(sides):
            for block in {side.party, side.pan} - {""}:
                if (block, side.kind) not in wanted:
                    continue
                self._numbers[(block, side.kind, side.norm)].append(n)
                self._by["txval"][(block, side.kind)].append((side.amounts.txval, n))
                self._by["day"][(block, side.kind)].append((side.day, n))
        for lists in self._by.values():
            for entries in lists.values():
                entries.sort()

    def candidates(self, side: Side) -> set[int]:
        found: set[int] = set()
        for block in {side.party, side.pan} - {""}:
            found.update(self._numbers.get((block, side.kind, side.norm), ()))
            found.update(self._around("txval", (block, side.kind), side.amounts.txval))
            found.update(self._around("day", (block, side.kind), side.day))
        return found

    def _around(self, by: str, block: tuple[str, str], value: int) -> list[int]:
        entries = self._by[by].get(block, [])
        at = bisect.bisect_left(entries, (value, -1))
        return [n for _, n in entries[max(0, at - _NEIGHBOURS) : at + _NEIGHBOURS]]


def _closeness(b: Side, i: Side, policy: Policy) -> tuple[int, float, int, int, str, str]:
    """How near a candidate is, cheaply (the closest rule is found for the three nearest only): how many of
    number, amounts, dates, place of supply and reverse charge are off, then likeness, amounts, dates, ids."""
    found = number_likeness(b, i)
    gap = abs(b.day - i.day)
    off = int(not alike(found, policy.fuzzy_threshold) and b.norm != i.norm)
    off += gap > policy.date_window_days
    off += any(not policy.within(h, b.values[h], i.values[h]) for h in policy.heads)
    off += b.pos != i.pos
    off += b.rev != i.rev
    distance = sum(abs(b.values[h] - i.values[h]) for h in HEADS)
    return (off, -found.ratio, distance, gap, b.ident, i.ident)


def nearest(
    side: Side,
    is_book: bool,
    others: Neighbours,
    other_sides: Sequence[Side],
    partner_of: Mapping[int, tuple[str, str]],
    policy: Policy,
) -> tuple[Near, ...]:
    """The three nearest candidates (`_closeness`) of an unpaired document on the other side; a candidate paired
    elsewhere says with whom (`partner_of`: candidate index → (partner id, rule))."""
    ordered: Callable[[int], tuple[Side, Side]] = (
        (lambda n: (side, other_sides[n])) if is_book else (lambda n: (other_sides[n], side))
    )
    graded = sorted((_closeness(*ordered(n), policy), n) for n in others.candidates(side))
    found = []
    for _, n in graded[:NEAREST]:
        rule, sentence = why(*ordered(n), policy)
        if n in partner_of:
            partner, partner_rule = partner_of[n]
            sentence += f"; it is paired with {partner} ({partner_rule})"
        found.append(Near(other_sides[n].ident, rule, sentence))
    return tuple(found)
