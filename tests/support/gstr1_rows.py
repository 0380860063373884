"""GSTR-1 document rows written by hand, for differential tests of the native row checker.

- ``Draws``: the choices a generator makes, from hypothesis's ``draw`` (every choice shrinks towards
  the first option, the lowest number, "no") or from a ``random.Random``.
- ``valid_case(d)``: a valid row of an invoice or note table with its context and party entry, as JSON
  text, plus the ``quirks`` it uses that the native code may decline (plain rows have none).
- ``broken_case(d)`` (tests/support/gstr1_broken_rows.py): a valid case with one to three fields broken.
- ``write(value, gap)``: JSON text with numbers spelled as given (``Lit``) and repeatable keys (``Obj``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

from hypothesis import strategies as st

from services.common.gst.gstin import check_character
from services.common.gst.periods import Period
from services.ingest.checking import CheckContext

T = TypeVar("T")
SUPPORTED = ("b2b", "b2ba", "cdnr", "cdnra", "ecom.b2b", "ecom.urp2b", "ecoma.b2ba", "ecoma.urp2ba")
AMENDMENT_TABLES = frozenset({"b2ba", "cdnra", "ecoma.b2ba", "ecoma.urp2ba"})
ECO_TABLES = frozenset({"ecom.b2b", "ecom.urp2b", "ecoma.b2ba", "ecoma.urp2ba"})
STIN_TABLES = frozenset({"ecom.b2b", "ecoma.b2ba"})
RATES = ("18", "5", "12", "28", "0", "0.1", "0.25", "1", "1.5", "3", "6", "7.5", "40")
GST_START, RATE_40_FROM = date(2017, 7, 1), date(2025, 9, 22)
STATES = ("27", "29", "07", "33", "24", "01", "38", "97", *(f"{n:02d}" for n in range(2, 38)))
LETTERS, DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
HEADS = ("iamt", "camt", "samt", "csamt")
FOREIGN = ("inum", "idt", "oinum", "oidt", "ntty", "nt_num", "nt_dt", "ont_num", "ont_dt", "ctin", "stin", "docnum")
EXTRA_NAMES = ("chksum", "updby", "cflag", "srctyp", "irn", "hsn_sc", "desc", "opd")
EXTRA_VALUES: tuple[Any, ...] = ("", "x", 7, None, True, False, [], {}, {"a": [1, {"b": None}]}, ["y", 2])
# Constructs the contract lets the native code decline (it must then return None, never a wrong answer).
DECLINABLE = frozenset({
    "three_places", "exponent", "string_amount", "string_rate", "rate_three_places", "null_optional",
    "diff_percent_spelling", "ignored_field", "foreign_keys", "outer_whitespace", "big_amount",
    "value_below_taxes",  # accepted with a warning, which Python gives (docs/rules.md §9.6)
})  # fmt: skip


@dataclass(frozen=True)
class Lit:
    """JSON text written as is: a number spelled one particular way, an escaped string."""

    text: str


@dataclass(frozen=True)
class Obj:
    """A JSON object whose keys may repeat (JSON allows it; Python keeps the last)."""

    pairs: tuple[tuple[str, Any], ...]


class Quirks:
    """The declinable constructs a case uses; a plain case (``on`` False) uses none."""

    def __init__(self, on: bool):
        self.on, self.seen = on, set[str]()

    def use(self, d: Draws, name: str, percent: int) -> bool:
        if self.on and d.chance(percent):
            self.seen.add(name)
            return True
        return False


class Draws:
    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any] | None = None, rng: random.Random | None = None):
        self._draw, self._rng = draw, rng

    def pick(self, options: Sequence[T]) -> T:
        return self._draw(st.sampled_from(options)) if self._draw else self._rng.choice(options)  # type: ignore[union-attr]

    def number(self, low: int, high: int) -> int:
        return self._draw(st.integers(low, high)) if self._draw else self._rng.randint(low, high)  # type: ignore[union-attr]

    def chance(self, percent: int) -> bool:
        return self.number(1, 100) > 100 - percent

    def text(self, alphabet: str, low: int, high: int) -> str:
        if self._draw:
            return self._draw(st.text(alphabet, min_size=low, max_size=high))  # type: ignore[no-any-return]
        return "".join(self._rng.choice(alphabet) for _ in range(self._rng.randint(low, high)))  # type: ignore[union-attr]

    def rng(self) -> random.Random:
        """For choices that need not shrink (the whitespace between tokens)."""
        return random.Random(self.number(0, 2**32))

    def order(self, items: Sequence[T]) -> list[T]:
        if self._draw:
            return list(self._draw(st.permutations(items)))
        return self._rng.sample(list(items), len(items))  # type: ignore[union-attr]


@dataclass(frozen=True)
class Case:
    context: CheckContext
    table: str
    party: dict[str, Any]
    row: dict[str, Any]
    text: str
    quirks: frozenset[str]
    supplier: str
    broken: tuple[str, ...] = ()  # what was done to a valid case

    def rewritten(self, row: dict[str, Any], party: dict[str, Any] | None = None, *done: str) -> Case:
        return replace(self, row=row, party=party or self.party, text=write(row), broken=self.broken + done)


# --- the JSON writer ---------------------------------------------------------------------------------
GAPS = ("", " ", "\n", "\t", "\r\n  ", "  ")


def write(value: Any, gap: Callable[[], str] = lambda: "") -> str:
    out: list[str] = []
    _write(value, gap, out)
    return "".join(out)


def _write(value: Any, gap: Callable[[], str], out: list[str]) -> None:
    if isinstance(value, Lit):
        out.append(value.text)
    elif isinstance(value, dict | Obj):
        out.append("{")
        for index, (key, item) in enumerate(value.items() if isinstance(value, dict) else value.pairs):
            out.append(("," if index else "") + gap() + json.dumps(key) + gap() + ":" + gap())
            _write(item, gap, out)
        out.append(gap() + "}")
    elif isinstance(value, list):
        out.append("[")
        for index, item in enumerate(value):
            out.append(("," if index else "") + gap())
            _write(item, gap, out)
        out.append(gap() + "]")
    else:
        out.append(json.dumps(value, ensure_ascii=False))


# --- pieces ------------------------------------------------------------------------------------------
def mint_gstin(d: Draws, state: str | None = None, avoid: str = "") -> str:
    pan = d.text(LETTERS, 5, 5) + f"{d.number(0, 9999):04d}" + d.pick(LETTERS)
    entity = d.pick("123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    first14 = (state or d.pick(STATES)) + pan + entity + ("Z" if not d.chance(10) else d.pick(LETTERS))
    if first14 == avoid[:14]:
        first14 = first14[:12] + ("2" if entity == "1" else "1") + first14[13]
    return first14 + check_character(first14)


def fmt(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def doc_number(d: Draws) -> str:
    if d.chance(50):
        return f"{d.pick(('INV', 'MH', 'cn', 'Dn'))}{d.pick('/-')}{d.number(2017, 2030)}/{d.number(0, 9999999)}"[:16]
    chars = LETTERS + LETTERS.lower() + DIGITS
    return d.pick(chars) + d.text(chars + "/-", 0, 15)


def doc_day(d: Draws, period: Period) -> date:
    last = period.last_day
    leap = [date(y, 2, 29) for y in range(2020, last.year + 1, 4) if date(y, 2, 29) <= last]
    edges = [last, GST_START, *leap[-1:]]
    if d.chance(25):
        return d.pick(edges)
    span = (last - GST_START).days if d.chance(20) else min(400, (last - GST_START).days)
    return last - timedelta(days=d.number(0, span))


def spell_amount(paise: int, d: Draws, quirks: Quirks) -> Any:
    """Rupees as a JSON number: 12, 12.5, 12.50 (plain) or 12.500, 1250e-2, "12.50" (quirks)."""
    rupees, rest = divmod(paise, 100)
    forms = ([f"{rupees}"] if rest == 0 else []) + ([f"{rupees}.{rest // 10}"] if rest % 10 == 0 else [])
    text = d.pick([*forms, f"{rupees}.{rest:02d}"])
    if quirks.use(d, "three_places", 5):
        return Lit(f"{rupees}.{rest:02d}0")
    if quirks.use(d, "exponent", 4):
        return Lit(d.pick((f"{paise}e-2", f"{paise}E-2", f"{Decimal(paise).scaleb(-2):E}")))
    if quirks.use(d, "string_amount", 4):
        return text
    return Lit(text)


def spell_rate(rate: str, d: Draws, quirks: Quirks) -> Any:
    forms = [rate, rate + ".0" if "." not in rate else rate + "0"]
    if len(rate.partition(".")[2]) == 2:  # 0.25 -> 0.250 would be three places
        forms = [rate]
    text = d.pick([*forms, *([rate + ".00"] if "." not in rate else [])])
    if quirks.use(d, "rate_three_places", 5):
        text = (rate if "." in rate else rate + ".") + "000"[: 3 - len(rate.partition(".")[2])]
    if quirks.use(d, "string_rate", 5):
        return text
    return Lit(text)


def tax_of(txval: int, rate: str, diff: bool, halves: bool) -> Decimal:
    """The exact expected head, as validation computes it (not rounded)."""
    exact = Decimal(txval) * Decimal(rate) / 100 * (Decimal("0.65") if diff else Decimal(1))
    return exact / 2 if halves else exact


def rounded(amount: Decimal) -> int:
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def with_extras(node: dict[str, Any], d: Draws) -> dict[str, Any]:
    for _ in range(d.number(0, 2) if d.chance(30) else 0):
        node[d.pick(EXTRA_NAMES)] = d.pick(EXTRA_VALUES)
    return {key: node[key] for key in d.order(list(node))} if d.chance(40) else node


def _item(d: Draws, rate: str, mode: str, diff: bool, index: int, quirks: Quirks) -> tuple[dict[str, Any], int]:
    txval = (
        d.number(10**14, 10**16) if quirks.use(d, "big_amount", 8) else d.number(0, 10**11 if d.chance(10) else 10**8)
    )
    heads = dict.fromkeys(HEADS, 0)
    jitter = d.number(-99, 99) if d.chance(25) else 0
    if mode == "igst":
        heads["iamt"] = max(0, rounded(tax_of(txval, rate, diff, False)) + jitter)
    elif mode == "halves":
        heads["camt"] = heads["samt"] = max(0, rounded(tax_of(txval, rate, diff, True)) + jitter)
    if mode != "none" and d.chance(20):
        heads["csamt"] = d.number(0, 10**7)
    detail: dict[str, Any] = {"rt": spell_rate(rate, d, quirks), "txval": spell_amount(txval, d, quirks)}
    omit_zeros = d.chance(30)
    for head, paise in heads.items():
        if paise or not omit_zeros:
            detail[head] = spell_amount(paise, d, quirks)
        elif quirks.use(d, "null_optional", 10):
            detail[head] = None
    entry: dict[str, Any] = {"num": index + 1} if d.chance(70) else {}
    entry["itm_det"] = with_extras(detail, d)
    return with_extras(entry, d), txval + sum(heads.values())


def context(d: Draws) -> CheckContext:
    form = d.pick(("R1", "R1A", "IFF", "R5"))
    year = d.number(2017, 2027)
    month = d.pick([m for m in range(7 if year == 2017 else 1, 13) if form != "IFF" or m % 3])
    period = Period(year, month)
    filed = d.pick(("soon", "saved", "late"))
    filed_on = {
        "saved": None,
        "soon": period.next().first_day + timedelta(days=d.number(0, 40)),
        "late": date(year + d.number(2, 5), 12, 1),
    }[filed]
    return CheckContext(mint_gstin(d), period.mmyyyy, form, filed_on, d.chance(30))


def valid_case(d: Draws) -> Case:
    ctx = context(d)
    table = d.pick(SUPPORTED)
    period = Period.parse(ctx.period)
    supplier = mint_gstin(d, avoid=ctx.filer) if table in STIN_TABLES else ctx.filer
    recipient = mint_gstin(d, avoid=supplier)
    party = {"stin": supplier, "rtin": recipient} if table in STIN_TABLES else {}
    party = party or ({"rtin": recipient} if table in ECO_TABLES else {"ctin": recipient})
    quirks = Quirks(d.chance(40))
    notes = table in ("cdnr", "cdnra")
    number, day_field = ("nt_num", "nt_dt") if notes else ("inum", "idt")
    day = doc_day(d, period)
    row: dict[str, Any] = {"ntty": d.pick("CD")} if notes else {}
    row |= {number: doc_number(d), day_field: fmt(day)}
    if table in AMENDMENT_TABLES:
        row |= {
            ("ont_num" if notes else "oinum"): doc_number(d),
            ("ont_dt" if notes else "oidt"): fmt(doc_day(d, period)),
        }
    pos = d.pick((recipient[:2], supplier[:2], "96", "97", d.pick(STATES)))
    inv_typ = d.pick((None, "R", "SEWP", "SEWOP", "DE", "CBW"))
    mode = "none" if inv_typ == "SEWOP" else "igst" if inv_typ == "SEWP" or supplier[:2] != pos else "halves"
    diff = d.chance(15)
    rates = [r for r in RATES if r != "40" or day >= RATE_40_FROM]
    items, total = [], 0
    for index in range(d.number(1, 4)):
        entry, paise = _item(d, d.pick(rates), mode, diff, index, quirks)
        items.append(entry)
        total += paise
    value = total
    if d.chance(25):
        value = max(0, total + d.number(-100 * len(items), 100 * len(items)))
    if value + 100 < total:
        quirks.seen.add("value_below_taxes")
    row |= {"val": spell_amount(value, d, quirks), "pos": pos}
    if (rchrg := d.pick((None, "N", "Y"))) is not None:
        row["rchrg"] = rchrg
    if inv_typ is not None:
        row["inv_typ"] = inv_typ
    if diff:
        row["diff_percent"] = Lit("0.65")
        if quirks.use(d, "diff_percent_spelling", 15):
            row["diff_percent"] = d.pick((Lit("0.650"), "0.65", Lit("65e-2")))
    if table not in ECO_TABLES and d.chance(20):
        row["etin"] = mint_gstin(d)
    if table in ECO_TABLES and quirks.use(d, "ignored_field", 10):  # table 15: the filer is the operator
        row["etin"] = d.pick(("junk", 5, mint_gstin(d)))
    row["itms"] = items
    if d.chance(10):
        row["flag"] = "D"
    if quirks.use(d, "foreign_keys", 10):  # names that mean something in another table, not in this one
        foreign = [name for name in FOREIGN if name not in row]
        row[d.pick(foreign)] = d.pick(("x", 5, None, "Z9", Lit("-1.234")))
    row = with_extras(row, d)
    style, rng = d.pick(("compact", "spaced", "pretty", "ragged")), d.rng()
    gap = {
        "compact": lambda: "",
        "spaced": lambda: " ",
        "pretty": lambda: "\n  ",
        "ragged": lambda: rng.choice(GAPS),
    }[style]
    text = write(row, gap)
    if quirks.use(d, "outer_whitespace", 8):
        text = d.pick(GAPS[1:]) + text + d.pick(GAPS)
    return Case(ctx, table, party, row, text, frozenset(quirks.seen), supplier)
