"""A recipient's reconciliation policy: every threshold the matching cascade uses (docs/rules.md §10.2).

The defaults are the leading tools': ±₹1 per tax head and on the taxable value, numbers alike at a fuzzy
ratio of 90 (or one found whole in the other), dates within 10 days, the supplier's other branches matched at
PAN level on the taxable value and the total tax. `version` names the policy that produced a result; a
policy is a value, so two equal policies reconcile identically.
"""

from __future__ import annotations

from dataclasses import dataclass

HEADS = ("txval", "igst", "cgst", "sgst", "cess")
TAX_HEADS = ("igst", "cgst", "sgst", "cess")
TOTAL_TAX = "tax"  # the sum of TAX_HEADS, a head of its own where the branch changes IGST into CGST + SGST
ABSOLUTE, PERCENT = "absolute", "percent"


class InvalidPolicy(ValueError):
    """A policy the engine cannot apply; the message names the field."""


@dataclass(frozen=True, slots=True)
class Policy:
    version: int = 1
    tolerance: str = ABSOLUTE  # ABSOLUTE: the paise below; PERCENT: basis points of the larger value
    head_tolerance: int = 100  # paise, each tax head (and the total tax)
    taxable_tolerance: int = 100  # paise, the taxable value
    percent_bp: int = 100  # with PERCENT: 100 = 1.00% of the larger of the two values
    fuzzy_threshold: int = 90
    date_window_days: int = 10
    pan_level: bool = True
    heads: tuple[str, ...] = HEADS  # the amounts the GSTIN-level rules compare
    pan_heads: tuple[str, ...] = ("txval", TOTAL_TAX)  # the amounts the PAN-level rules compare
    compare_pos: bool = True
    compare_rev: bool = True
    mismatch_pending: bool = False  # suggest Pending (where allowed) instead of Reject for a mismatch

    def __post_init__(self) -> None:
        if self.tolerance not in (ABSOLUTE, PERCENT):
            raise InvalidPolicy(f"tolerance: {ABSOLUTE} or {PERCENT}, got {self.tolerance!r}")
        if min(self.head_tolerance, self.taxable_tolerance, self.date_window_days) < 0:
            raise InvalidPolicy("tolerances and the date window are never negative")
        if not 0 <= self.percent_bp < 10_000:
            raise InvalidPolicy(f"percent_bp: 0..9999 basis points, got {self.percent_bp}")
        if not 0 < self.fuzzy_threshold <= 100:
            raise InvalidPolicy(f"fuzzy_threshold: 1..100, got {self.fuzzy_threshold}")
        for name, heads in (("heads", self.heads), ("pan_heads", self.pan_heads)):
            if "txval" not in heads or any(h not in (*HEADS, TOTAL_TAX) for h in heads):
                raise InvalidPolicy(f"{name}: the taxable value and any of {', '.join(HEADS[1:])}, {TOTAL_TAX}")

    def allowance(self, head: str) -> int:
        """The absolute tolerance of a head, in paise."""
        return self.taxable_tolerance if head == "txval" else self.head_tolerance

    def within(self, head: str, books: int, supplier: int) -> bool:
        """Whether two values of a head are close enough to pair; symmetric in its two sides."""
        gap = abs(books - supplier)
        if self.tolerance == ABSOLUTE:
            return gap <= self.allowance(head)
        return gap * 10_000 <= self.percent_bp * max(books, supplier)

    def taxable_range(self, books: int) -> tuple[int, int]:
        """Bounds (inclusive, perhaps wider than exact) of the taxable values `within` may accept against
        `books`: the engine searches this range of a sorted block instead of every document."""
        if self.tolerance == ABSOLUTE:
            return books - self.taxable_tolerance, books + self.taxable_tolerance
        return books - self.percent_bp * books // 10_000 - 1, books * 10_000 // (10_000 - self.percent_bp) + 1


DEFAULT_POLICY = Policy()
