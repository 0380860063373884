"""Document numbers as reconciliation compares them (docs/rules.md §10.2).

A supplier writes `INV/0042/2025-26` where the books hold `inv-42`: `normalised` makes them one key by
dropping financial-year tokens (`2025-26`, `25-26`, `2025/2026`, `2025-2026`, `FY25-26`, `FY 2025-26`: two
consecutive years, written with a separator or after `FY`), every character that is not an ASCII letter or
digit, and the leading zeros of each run of digits, without regard to case. A number that is nothing but a
year token keeps it (so `2025-26` is not the empty key). `likeness` is the fuzzy test (rapidfuzz), the same
function for the engine, its explanations and the tests' reference matcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

_FY_PREFIXED = re.compile(r"(?<![0-9A-Z])FY[ ._/-]?(?:20)?([0-9]{2})[ ./-]?(?:20)?([0-9]{2})(?![0-9])")
# the first year is consumed and the second only looked at, so a pair that is no year token ("42/2025")
# does not swallow the first year of the real one ("2025/2026")
_YEAR_PAIR = re.compile(r"(?<![0-9])(?:20)?([0-9]{2})(?=[./-](?:20)?([0-9]{2})(?![0-9]))")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_LEADING_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def same_key(number: str) -> str:
    """The number as written, without surrounding blanks or case: what rule `exact` compares."""
    return number.strip().upper()


def normalised(number: str) -> str:
    """The number's comparison key: `INV/0042/2025-26`, `inv-42` and `FY25-26/INV 42` are all `INV42`."""
    text = number.upper()
    return _squeezed(_without_years(text)) or _squeezed(text)


def _without_years(text: str) -> str:
    if "FY" in text:
        text = _FY_PREFIXED.sub(lambda m: " " if _consecutive(m) else m.group(0), text)
    kept: list[str] = []
    at = 0
    for found in _YEAR_PAIR.finditer(text):
        if found.start() >= at and _consecutive(found):
            kept += (text[at : found.start()], " ")
            at = found.end(2)
    return "".join(kept) + text[at:] if kept else text


def _consecutive(found: re.Match[str]) -> bool:
    return (int(found.group(1)) + 1) % 100 == int(found.group(2))


def _squeezed(text: str) -> str:
    return _LEADING_ZEROS.sub("", _NOT_ALNUM.sub("", text))


@dataclass(frozen=True, slots=True)
class Likeness:
    """How alike two normalised numbers are: rapidfuzz's `ratio` (0-100) and whether one is wholly found in
    the other (`partial_ratio` 100)."""

    ratio: float
    contained: bool

    @property
    def score(self) -> int:
        """The ratio as explanations show it."""
        return round(self.ratio)


def likeness(books: str, supplier: str) -> Likeness:
    """The fuzzy comparison of two normalised numbers; `alike` decides with the policy's threshold."""
    if books == supplier:
        return Likeness(100.0, True)
    ratio = fuzz.ratio(books, supplier)
    return Likeness(ratio, bool(books) and bool(supplier) and fuzz.partial_ratio(books, supplier) == 100)


def alike(found: Likeness, threshold: int) -> bool:
    """Numbers are alike when one is found whole in the other or the ratio reaches the threshold (dates are the
    caller's test)."""
    return found.contained or found.ratio >= threshold
