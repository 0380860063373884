"""Building blocks of the synthetic data generator (``synthetic``): checksum-valid GSTINs, a seeded
universe of parties, the pieces every generated document shares (rates, exact amounts in paise,
document numbers, dates, item and row builders) and an exact JSON writer (``dumps``).

Pure stdlib. Every function takes its ``random.Random`` explicitly: no global random, no clock.
"""

from __future__ import annotations

import json
import math
import random
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import IO, Any

from services.common.gst.gstin import check_character
from services.common.gst.periods import Period

STATE_ABBREVIATIONS: dict[str, str] = {
    "27": "MH", "29": "KA", "33": "TN", "07": "DL", "24": "GJ", "09": "UP", "19": "WB", "32": "KL",
    "36": "TS", "06": "HR", "08": "RJ", "03": "PB", "23": "MP", "37": "AP", "21": "OD",
}  # fmt: skip
STATES = tuple(STATE_ABBREVIATIONS)
_STATE_WEIGHTS = (22, 12, 11, 9, 9, 7, 6, 4, 5, 5, 3, 2, 2, 2, 1)
_PRIMARY_STATES = 8  # the first suppliers take these in turn, so even small universes span states
_PAN_KINDS = "CCCCFFFPPH"  # 4th PAN letter: company, firm/LLP, individual (proprietor), HUF
_LETTERS = string.ascii_uppercase

FIRST_PERIOD = Period(2017, 7)  # GST started on 01-07-2017
RATE_40_FROM = date(2025, 9, 22)
SEZ_TYPES = frozenset({"SEWP", "SEWOP"})
# Rates in basis points (1800 = 18%), with their JSON text and weights before/from 22-09-2025.
RATE_TEXT = {
    10: "0.1",
    25: "0.25",
    100: "1",
    300: "3",
    500: "5",
    1200: "12",
    1800: "18",
    2800: "28",
    4000: "40",
}
_RATES = tuple(RATE_TEXT)
_WEIGHTS_BEFORE = (1, 1, 2, 3, 18, 15, 46, 14, 0)
_WEIGHTS_FROM_40 = (1, 1, 2, 3, 30, 3, 50, 4, 6)
BLOCK = 80_000  # sequence numbers per month of a financial year (12 blocks fit in 6 digits)
CESS_BP = 1200  # compensation cess on some 28% goods (our simplification: one cess rate)


def make_pan(rng: random.Random, kind: str | None = None) -> str:
    """A PAN-shaped text ``[A-Z]{5}[0-9]{4}[A-Z]``; the 4th letter is the holder type (C, F, P, H)."""
    head = rng.choice("AAAAAB") + rng.choice("AAABBCDEFG") + rng.choice(_LETTERS)
    kind = kind or rng.choice(_PAN_KINDS)
    return f"{head}{kind}{rng.choice(_LETTERS)}{rng.randrange(1, 10000):04d}{rng.choice(_LETTERS)}"


def gstin_for(pan: str, state_code: str, entity: str = "1") -> str:
    """The GSTIN of ``pan``'s registration number ``entity`` in ``state_code``, check character added."""
    if len(state_code) != 2 or not state_code.isdigit():
        raise ValueError(f"state code must be two digits, got {state_code!r}")
    first14 = f"{state_code}{pan}{entity}Z"
    return first14 + check_character(first14)


def make_gstin(rng: random.Random, state_code: str, entity: str = "1") -> str:
    """A random, checksum-valid GSTIN in ``state_code`` (it parses with ``parse_gstin``)."""
    return gstin_for(make_pan(rng), state_code, entity)


@dataclass(frozen=True)
class Universe:
    """The parties of one synthetic world.

    ``recipients`` lists the large ones first (``large`` of them) and ``weights`` is Zipf-like, so
    they receive most documents. ``sez_units`` are recipients that are SEZ units (only they get
    SEWP supplies). The ISD shares its PAN with ``isd_units``, the registrations it distributes
    credit to (the first large recipients: one multi-state company).
    """

    seed: int
    suppliers: tuple[str, ...]
    recipients: tuple[str, ...]
    weights: tuple[float, ...]
    large: int
    sez_units: tuple[str, ...]
    eco_operators: tuple[str, ...]
    isd: str
    isd_units: tuple[str, ...]

    def picker(self, *, sez: bool = False, not_state: str | None = None) -> Callable[[random.Random], str] | None:
        """A weighted recipient chooser (SEZ units or the others; optionally outside a state)."""
        chosen = [
            (gstin, weight)
            for gstin, weight in zip(self.recipients, self.weights, strict=True)
            if (gstin in self.sez_units) == sez and gstin[:2] != not_state
        ]
        if not chosen:
            return None
        gstins = [gstin for gstin, _ in chosen]
        weights = [weight for _, weight in chosen]
        return lambda rng: rng.choices(gstins, weights)[0]


def make_universe(seed: int, suppliers: int = 200, recipients: int = 20) -> Universe:
    """A reproducible universe: suppliers across states, a few large and many small recipients,
    two e-commerce operators and one ISD."""
    if suppliers < 1 or recipients < 2:
        raise ValueError("need at least 1 supplier and 2 recipients")
    rng = random.Random(seed)
    pans: set[str] = set()

    def new_pan(kind: str | None = None) -> str:
        while (pan := make_pan(rng, kind)) in pans:
            pass
        pans.add(pan)
        return pan

    def state() -> str:
        return rng.choices(STATES, _STATE_WEIGHTS)[0]

    supplier_ids = tuple(gstin_for(new_pan(), STATES[i] if i < _PRIMARY_STATES else state()) for i in range(suppliers))
    large = max(2, recipients // 5)
    group = new_pan("C")  # a multi-state company: its units are the largest recipients
    units = [gstin_for(group, code) for code in ("27", "29", "33")[: min(3, large - 1)]]
    others = [gstin_for(new_pan("C"), state()) for _ in range(large - len(units))]
    small = [gstin_for(new_pan(), state()) for _ in range(recipients - large)]
    sez = [small[i] for i in sorted(rng.sample(range(len(small)), max(1, len(small) // 10)))] if small else []
    return Universe(
        seed=seed,
        suppliers=supplier_ids,
        recipients=(*units, *others, *small),
        weights=tuple(1 / rank**1.3 for rank in range(1, recipients + 1)),
        large=large,
        sez_units=tuple(sez),
        eco_operators=(gstin_for(new_pan("C"), "29"), gstin_for(new_pan("C"), "06")),
        isd=gstin_for(group, "27", "2"),
        isd_units=tuple(units),
    )


def pick_rate(rng: random.Random, day: date, rates: tuple[int, ...] | None = None) -> int:
    """A rate in basis points; 40% only for documents dated from 22-09-2025."""
    if rates:
        return rng.choice(rates)
    return rng.choices(_RATES, _WEIGHTS_FROM_40 if day >= RATE_40_FROM else _WEIGHTS_BEFORE)[0]


def rate_table(day: date) -> list[tuple[str, int]]:
    """100 (rate text, basis points) entries in proportion to the weights: O(1) weighted picks."""
    weights = _WEIGHTS_FROM_40 if day >= RATE_40_FROM else _WEIGHTS_BEFORE
    return [(RATE_TEXT[bp], bp) for bp, weight in zip(_RATES, weights, strict=True) for _ in range(weight)]


def tax(taxable: int, bp: int) -> int:
    """Tax in paise on ``taxable`` paise at ``bp`` basis points, rounded half-up to the paisa."""
    return (taxable * bp + 5000) // 10000


def half_tax(taxable: int, bp: int) -> int:
    """CGST (= SGST) in paise: half the rate, rounded half-up to the paisa."""
    return (taxable * bp + 10000) // 20000


def rupees(paise: int) -> Decimal:
    """Paise as rupees with exactly two places: 125003 -> Decimal('1250.03')."""
    return Decimal(paise).scaleb(-2)


def paise_of(amount: object) -> int:
    """Exact paise of a generated or parsed amount (int, Decimal or decimal text)."""
    return int(Decimal(str(amount)) * 100)


def amount(rng: random.Random, median_rupees: float) -> int:
    """A lognormal amount in paise (mostly whole rupees), between 50 rupees and 5 crore."""
    rupee_value = min(max(rng.lognormvariate(math.log(median_rupees), 1.1), 50.0), 5e7)
    paise = int(rupee_value * 100)
    return paise - paise % 100 if rng.random() < 0.7 else paise


def days(rng: random.Random, period: Period, count: int) -> list[date]:
    """``count`` sorted random dates inside ``period`` (never before 01-07-2017)."""
    first, last = max(period.first_day, date(2017, 7, 1)), period.last_day
    span = (last - first).days + 1
    return sorted(first + timedelta(days=rng.randrange(span)) for _ in range(count))


def fmt_date(day: date) -> str:
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}"


def seq_base(period: Period) -> int:
    """Our numbering: each month of a financial year owns a block of ``BLOCK`` sequence numbers, so
    numbers stay unique per supplier per financial year across returns (April 0, May 80000...)."""
    return (period.month - 4) % 12 * BLOCK


def number(prefix: str, period: Period, seq: int) -> str:
    """A document number like ``MH/25-26/480123``: 6 digits, so at most 16 characters for a
    3-letter prefix."""
    fy = period.financial_year
    return f"{prefix}/{fy % 100:02d}-{(fy + 1) % 100:02d}/{seq:06d}"


def prefix_of(gstin: str) -> str:
    return STATE_ABBREVIATIONS.get(gstin[:2], "GS")


Row = dict[str, Any]
INVOICE_NAMES = ("inum", "idt", "oinum", "oidt")
NOTE_NAMES = ("nt_num", "nt_dt", "ont_num", "ont_dt")


def as_rng(rng_or_seed: random.Random | int) -> random.Random:
    if isinstance(rng_or_seed, random.Random):
        return rng_or_seed
    if isinstance(rng_or_seed, int) and not isinstance(rng_or_seed, bool):
        return random.Random(rng_or_seed)
    raise TypeError("expected a random.Random or an int seed")


def share(total: int, fraction: float) -> int:
    """``total`` x ``fraction`` rounded half-up to a count."""
    return int(total * fraction + 0.5)


def item(num: int, bp: int, taxable: int, intra: bool, cess: bool) -> tuple[Row, int]:
    """One ``itms`` entry (CGST = SGST = half the rate intra-state, else IGST) and its value."""
    igst, half = (0, half_tax(taxable, bp)) if intra else (tax(taxable, bp), 0)
    cess_paise = tax(taxable, CESS_BP) if cess else 0
    det = {"rt": Decimal(RATE_TEXT[bp]), "txval": rupees(taxable), "iamt": rupees(igst)}
    det |= {"camt": rupees(half), "samt": rupees(half), "csamt": rupees(cess_paise)}
    return {"num": num, "itm_det": det}, taxable + igst + 2 * half + cess_paise


def supply(rng: random.Random, head: Row, day: date, state: str, pos: str, **kw: Any) -> Row:
    """An invoice / note row: ``head`` (number, date...) plus val, pos, rchrg, inv_typ, [etin,]
    itms. Keywords: inv_typ, rchrg, etin, rates (basis points), median (rupees), max_items."""
    inv_typ = kw.get("inv_typ", "R")
    intra = inv_typ not in SEZ_TYPES and pos == state
    itms, total = [], 0
    for num in range(1, rng.randint(1, kw.get("max_items", 1)) + 1):
        bp = pick_rate(rng, day, kw.get("rates"))
        taxable = amount(rng, kw.get("median", 40000))
        entry, value = item(num, bp, taxable, intra, bp == 2800 and rng.random() < 0.3)
        itms.append(entry)
        total += value
    row = {**head, "val": rupees(total), "pos": pos, "rchrg": kw.get("rchrg", "N"), "inv_typ": inv_typ}
    return row | ({"etin": kw["etin"]} if kw.get("etin") else {}) | {"itms": itms}


def amend(rng: random.Random, row: Row, state: str, names: tuple[str, str, str, str]) -> Row:
    """An amendment of ``row``: same identity and rates, value revised or re-reported unchanged
    (as after an inadvertent rejection), with the original number and date (oinum/oidt...)."""
    num_field, date_field, orig_num, orig_date = names
    pct = rng.choice((80, 90, 100, 110, 125))
    intra = row["inv_typ"] not in SEZ_TYPES and row["pos"] == state
    itms, total = [], 0
    for num, old in enumerate(row["itms"], 1):
        det = old["itm_det"]
        taxable = max(100, paise_of(det["txval"]) * pct // 100)
        entry, value = item(num, paise_of(det["rt"]), taxable, intra, paise_of(det.get("csamt", 0)) > 0)
        itms.append(entry)
        total += value
    kept = {k: v for k, v in row.items() if k not in ("val", "itms")}
    return kept | {"val": rupees(total), "itms": itms, orig_num: row[num_field], orig_date: row[date_field]}


def originals(
    rng: random.Random, period: Period, count: int, found: list[Any], make: Callable[[date, Period, int], Any]
) -> list[Any]:
    """``count`` documents to amend: a sample of ``found`` (rows of an earlier return), topped up
    with originals ``make``-d in the previous month (numbers from the upper half of its block)."""
    chosen = [found[i] for i in sorted(rng.sample(range(len(found)), min(count, len(found))))]
    earlier = period.previous() if period > FIRST_PERIOD else period
    picks = sorted(rng.sample(range(BLOCK // 2, BLOCK), count - len(chosen)))
    return chosen + [make(days(rng, earlier, 1)[0], earlier, seq_base(earlier) + k) for k in picks]


def grouped(rows: list[tuple[Any, Row]], keys: tuple[str, ...], rows_key: str) -> list[Row]:
    """Rows grouped by party (first appearance order): ``[{keys..., rows_key: [...]}, ...]``."""
    groups: dict[Any, list[Row]] = {}
    for party, row in rows:
        groups.setdefault(party, []).append(row)
    parties = [party if isinstance(party, tuple) else (party,) for party in groups]
    return [{**dict(zip(keys, p, strict=True)), rows_key: r} for p, r in zip(parties, groups.values(), strict=True)]


def dumps(payload: object) -> str:
    """Compact JSON with ``Decimal`` values as bare JSON numbers (floats are refused: not exact)."""
    out: list[str] = []
    _encode(payload, out)
    return "".join(out)


def dump(payload: object, fp: IO[str]) -> None:
    fp.write(dumps(payload))


def _encode(value: object, out: list[str]) -> None:
    if isinstance(value, Mapping):
        out.append("{")
        for index, (key, entry) in enumerate(value.items()):
            out.append(("," if index else "") + json.dumps(str(key)) + ":")
            _encode(entry, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, entry in enumerate(value):
            out.append("," if index else "")
            _encode(entry, out)
        out.append("]")
    elif isinstance(value, Decimal) and value.is_finite():
        out.append(format(value, "f"))
    elif isinstance(value, str | int | None):  # bool is an int: true / false
        out.append(json.dumps(value))
    else:
        raise TypeError(f"cannot serialise {type(value).__name__} {value!r} exactly")
