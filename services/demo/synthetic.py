"""Seeded synthetic GSTN-shaped data: GSTR-1 / IFF / GSTR-1A / GSTR-5 payloads, an e-commerce
operator's table 15, an ISD's GSTR-6, Bills of Entry, a streamed very large GSTR-1, and a demo set.

Reproducible: the same seed gives byte-identical ``dumps`` output (no global random, no clock).
Exact: amounts are integer paise rounded half-up to the paisa, emitted as two-place ``Decimal``
JSON numbers; ``val`` is exactly taxable value plus all taxes. Every payload validates with zero
problems through ``read_return`` / ``validate_boe``. Building blocks: ``synthetic_parties``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from services.common.gst.periods import Period
from services.demo import parties as sp
from services.demo.parties import Row, Universe, dump, dumps, make_gstin, make_universe

__all__ = [
    "Filing", "Mix", "Universe", "bills_of_entry", "demo_dataset", "dump", "dumps", "eco_return",
    "gstr1_return", "isd_return", "large_return", "make_gstin", "make_universe", "write_large_return",
]  # fmt: skip


@dataclass(frozen=True)
class Mix:
    """Shares of a GSTR-1's documents (each rounded half-up to a count); the rest are plain
    invoices. ``reverse_charge``, ``pos_ineligible`` (POS = supplier state, recipient elsewhere),
    ``sez`` (SEWP, IGST) and ``via_operator`` (``etin`` set) are carried by invoices."""

    credit_notes: float = 0.06
    debit_notes: float = 0.02
    invoice_amendments: float = 0.03
    note_amendments: float = 0.01
    reverse_charge: float = 0.03
    pos_ineligible: float = 0.02
    sez: float = 0.02
    via_operator: float = 0.02
    max_items: int = 3

    def __post_init__(self) -> None:
        shares = [value for key, value in vars(self).items() if key != "max_items"]
        if any(not 0 <= value <= 1 for value in shares) or not 1 <= self.max_items <= 9:
            raise ValueError("Mix shares must lie in 0..1 and max_items in 1..9")


@dataclass(frozen=True)
class Filing:
    """One return (or batch of Bills of Entry) of the demo. ``filed_on`` is None while only saved;
    for Bills of Entry it is the ICEGATE reference date. ``quarterly``: a QRMP filer's return."""

    form: Literal["gstr1", "iff", "gstr1a", "gstr5", "gstr6", "boe"]
    payload: dict[str, Any]
    status: Literal["saved", "filed"]
    filed_on: date | None
    quarterly: bool = False

    @property
    def source_form(self) -> str:
        """The IMS ``srcform`` (R1, IFF, R1A, R5, R6) or "BOE"."""
        return _SOURCE_FORMS[self.form]


_SOURCE_FORMS = {"gstr1": "R1", "iff": "IFF", "gstr1a": "R1A", "gstr5": "R5", "gstr6": "R6", "boe": "BOE"}


def _check_size(documents: int, first_seq: int = 1) -> None:
    if documents < 0 or first_seq < 1 or first_seq + documents > sp.BLOCK // 2:
        raise ValueError(f"at most {sp.BLOCK // 2 - first_seq} documents per return (see write_large_return)")


def gstr1_return(
    universe: Universe,
    rng_or_seed: random.Random | int,
    supplier: str,
    fp: str,
    documents: int,
    *,
    mix: Mix | None = None,
    amend_from: Mapping[str, Any] | None = None,
    first_seq: int = 1,
) -> dict[str, Any]:
    """A GSTR-1 (also IFF / GSTR-1A / GSTR-5) payload of ``documents`` rows: b2b, b2ba, cdnr, cdnra.

    Amendments revise documents of ``amend_from`` (an earlier return of the same supplier) when
    given, else originals synthesised in the previous month. ``first_seq`` continues numbering
    after an earlier return of the same period (a GSTR-1A after the GSTR-1).
    """
    _check_size(documents, first_seq)
    rng, mix, period, state = sp.as_rng(rng_or_seed), mix or Mix(), Period.parse(fp), supplier[:2]
    if amend_from is not None and (amend_from["gstin"] != supplier or Period.parse(amend_from["fp"]) > period):
        raise ValueError("amend_from must be an earlier (or the same) period's return of the same supplier")
    counts, left = [], documents
    for fraction in (mix.credit_notes, mix.debit_notes, mix.invoice_amendments, mix.note_amendments):
        counts.append(min(sp.share(documents, fraction), left))
        left -= counts[-1]
    credit, debit, inv_amend, note_amend = counts
    if period == sp.FIRST_PERIOD and amend_from is None:  # nothing earlier to amend
        left, inv_amend, note_amend = left + inv_amend + note_amend, 0, 0
    flags: list[str] = []
    shares = {"rc": mix.reverse_charge, "pi": mix.pos_ineligible, "sez": mix.sez, "eco": mix.via_operator}
    for flag, fraction in shares.items():
        flags += [flag] * min(sp.share(documents, fraction), left - len(flags))
    flags += [""] * (left - len(flags))
    rng.shuffle(flags)
    normal, elsewhere, sez = universe.picker(), universe.picker(not_state=state), universe.picker(sez=True)
    assert normal is not None  # a universe always has non-SEZ recipients
    base, prefix = sp.seq_base(period) + first_seq, sp.prefix_of(supplier)

    def invoice(day: date, seq_period: Period, seq: int, flag: str = "") -> tuple[str, Row]:
        head = {"inum": sp.number(prefix, seq_period, seq), "idt": sp.fmt_date(day)}
        kw: dict[str, Any] = {"max_items": mix.max_items}
        ctin = normal(rng)
        if flag == "pi" and elsewhere:  # POS in the supplier's state, recipient elsewhere: no ITC
            ctin = elsewhere(rng)
            return ctin, sp.supply(rng, head, day, state, state, **kw)
        if flag == "sez" and sez:
            ctin, kw["inv_typ"] = sez(rng), "SEWP"
        elif flag == "rc":  # goods transport agency 5%, legal / security services 18%
            kw |= {"rchrg": "Y", "rates": (500, 1800), "median": 15000, "max_items": 1}
        elif flag == "eco":  # sold through an e-commerce operator collecting TCS
            kw["etin"] = universe.eco_operators[0]
        return ctin, sp.supply(rng, head, day, state, ctin[:2], **kw)

    def note(day: date, seq_period: Period, seq: int, ntty: str = "") -> tuple[str, Row]:
        ntty = ntty or rng.choice("CCD")
        head = {"ntty": ntty, "nt_num": sp.number("CN" if ntty == "C" else "DN", seq_period, seq)}
        ctin = normal(rng)
        return ctin, sp.supply(rng, head | {"nt_dt": sp.fmt_date(day)}, day, state, ctin[:2], median=6000)

    def earlier(table: str, rows_key: str) -> list[tuple[str, Row]]:
        return [(party["ctin"], row) for party in (amend_from or {}).get(table, []) for row in party[rows_key]]

    invoices = enumerate(zip(sp.days(rng, period, left), flags, strict=True))
    b2b = [invoice(day, period, base + i, flag) for i, (day, flag) in invoices]
    cdnr = [note(day, period, base + i, "C") for i, day in enumerate(sp.days(rng, period, credit))]
    cdnr += [note(day, period, base + i, "D") for i, day in enumerate(sp.days(rng, period, debit))]
    old_invoices = sp.originals(rng, period, inv_amend, earlier("b2b", "inv"), invoice)
    old_notes = sp.originals(rng, period, note_amend, earlier("cdnr", "nt"), note)
    b2ba = [(ctin, sp.amend(rng, row, state, sp.INVOICE_NAMES)) for ctin, row in old_invoices]
    cdnra = [(ctin, sp.amend(rng, row, state, sp.NOTE_NAMES)) for ctin, row in old_notes]
    payload: dict[str, Any] = {"gstin": supplier, "fp": fp}
    for key, rows, rows_key in (
        ("b2b", b2b, "inv"),
        ("b2ba", b2ba, "inv"),
        ("cdnr", cdnr, "nt"),
        ("cdnra", cdnra, "nt"),
    ):
        if rows:
            payload[key] = sp.grouped(rows, ("ctin",), rows_key)
    return payload


# e-commerce services under section 9(5): (weight, rates before / from 22-09-2025, POS at supplier)
_ECO_SERVICES = (
    (40, (500,), (500,), True),  # restaurant
    (30, (500,), (500,), False),  # passenger transport
    (20, (1200, 1800), (500, 1800), True),  # accommodation
    (10, (1800,), (1800,), False),  # housekeeping
)


def eco_return(
    universe: Universe,
    seed: int,
    fp: str,
    documents: int,
    *,
    operator: str | None = None,
    amendments: float = 0.05,
) -> dict[str, Any]:
    """An e-commerce operator's GSTR-1 table 15 (``ecom.b2b``, ``ecoma.b2ba``): supplies by
    registered suppliers (``stin``) to registered recipients (``rtin``), tax paid by the operator."""
    _check_size(documents)
    rng, period = random.Random(seed), Period.parse(fp)
    operator = operator or universe.eco_operators[0]
    sellers = [s for s in universe.suppliers[: max(10, len(universe.suppliers) // 5)] if s != operator]
    normal = universe.picker()
    assert normal is not None
    amend = sp.share(documents, amendments) if period > sp.FIRST_PERIOD else 0

    def sale(day: date, seq_period: Period, seq: int) -> tuple[tuple[str, str], Row]:
        stin, rtin = rng.choice(sellers), normal(rng)
        _, before, after, at_supplier = rng.choices(_ECO_SERVICES, [s[0] for s in _ECO_SERVICES])[0]
        head = {"inum": sp.number("EC", seq_period, seq), "idt": sp.fmt_date(day)}
        rates = after if day >= sp.RATE_40_FROM else before
        return (stin, rtin), sp.supply(rng, head, day, stin[:2], stin[:2] if at_supplier else rtin[:2], rates=rates)

    base = sp.seq_base(period) + 1
    rows = [sale(day, period, base + i) for i, day in enumerate(sp.days(rng, period, documents - amend))]
    payload: dict[str, Any] = {
        "gstin": operator,
        "fp": fp,
        "ecom": {"b2b": sp.grouped(rows, ("stin", "rtin"), "inv")},
    }
    if amend:
        olds = sp.originals(rng, period, amend, [], sale)
        amended = [(party, sp.amend(rng, row, party[0][:2], sp.INVOICE_NAMES)) for party, row in olds]
        payload["ecoma"] = {"b2ba": sp.grouped(amended, ("stin", "rtin"), "inv")}
    return payload


_HEADS = ("iamt", "camt", "samt", "csamt")


def isd_return(
    universe: Universe,
    seed: int,
    fp: str,
    documents: int,
    *,
    credit_notes: float = 0.15,
    amendments: float = 0.05,
) -> dict[str, Any]:
    """An ISD's GSTR-6 (``isd`` / ``isda`` rows in ``doclst``) distributing credit to its own units:
    IGST to units in other states, CGST = SGST (sometimes plus IGST) to a unit in its own state."""
    _check_size(documents)
    rng, period, isd = random.Random(seed), Period.parse(fp), universe.isd
    amend = sp.share(documents, amendments) if period > sp.FIRST_PERIOD else 0
    credit = min(sp.share(documents, credit_notes), documents - amend)

    def doc(day: date, seq_period: Period, seq: int, docty: str = "ISD") -> tuple[str, Row]:
        ctin = rng.choice(universe.isd_units)
        credit_paise = sp.amount(rng, 80000 if docty == "ISD" else 12000)
        igst, half = (0, credit_paise // 2) if ctin[:2] == isd[:2] else (credit_paise, 0)
        igst += sp.amount(rng, 20000) if half and rng.random() < 0.3 else 0
        cess = sp.amount(rng, 2000) if rng.random() < 0.1 else 0
        head = {"isd_docty": docty, "docnum": sp.number("ISD" if docty == "ISD" else "ICN", seq_period, seq)}
        heads = dict(zip(_HEADS, map(sp.rupees, (igst, half, half, cess)), strict=True))
        return ctin, head | {"docdt": sp.fmt_date(day)} | heads

    base = sp.seq_base(period) + 1
    rows = [doc(day, period, base + i) for i, day in enumerate(sp.days(rng, period, documents - amend - credit))]
    rows += [doc(day, period, base + i, "ISDCN") for i, day in enumerate(sp.days(rng, period, credit))]
    payload: dict[str, Any] = {"gstin": isd, "fp": fp, "isd": sp.grouped(rows, ("ctin",), "doclst")}
    if amend:
        pct, amended = rng.choice((80, 90, 110, 125)), []
        for ctin, row in sp.originals(rng, period, amend, [], doc):  # amounts revised, identity kept
            revised = {head: sp.rupees(sp.paise_of(row[head]) * pct // 100) for head in _HEADS}
            amended.append((ctin, row | revised | {"odocnum": row["docnum"], "odocdt": row["docdt"]}))
        payload["isda"] = sp.grouped(amended, ("ctin",), "doclst")
    return payload


_PORTS = {"27": ("INNSA1", "INBOM4"), "29": ("INBLR4", "INMAA1"), "33": ("INMAA1", "INMAA4"),
          "07": ("INDEL4", "INTKD6"), "24": ("INMUN1",), "09": ("INTKD6",), "19": ("INCCU1",),
          "32": ("INCOK1",), "36": ("INHYD4",)}  # fmt: skip


def bills_of_entry(
    universe: Universe, seed: int, refdt: date, count: int, *, sez: float = 0.15, amendments: float = 0.1
) -> dict[str, Any]:
    """``{"boe": [...]}``: imports of goods (IGST + cess) by recipients, some of goods from an SEZ unit
    (``is_sez`` Y, the unit's GSTIN as ``sez_gstin``), and amendments (``amd`` Y, ``oboe_num`` / ``oboe_dt``
    of the original, weeks earlier)."""
    rng = random.Random(seed)
    normal = universe.picker()
    assert normal is not None
    kinds = ["amd"] * sp.share(count, amendments) + ["sez"] * (sp.share(count, sez) if universe.sez_units else 0)
    kinds = (kinds + [""] * count)[:count]
    rng.shuffle(kinds)
    boes = []
    for kind, boe_num in zip(kinds, rng.sample(range(1_000_000, 10_000_000), count), strict=True):
        sez_unit = rng.choice(universe.sez_units) if kind == "sez" else None
        rtin = normal(rng)
        back = rng.randrange(20, 60) if kind == "amd" else rng.randrange(7)
        boe_dt = max(refdt - timedelta(days=back), date(2017, 7, 1))
        bp, taxable = sp.pick_rate(rng, boe_dt, (500, 1200, 1800, 1800, 1800, 2800)), sp.amount(rng, 600000)
        cess = sp.tax(taxable, sp.CESS_BP) if bp == 2800 and rng.random() < 0.5 else 0
        number, day = str(boe_num), sp.fmt_date(boe_dt)
        port = rng.choice(_PORTS.get(rtin[:2], ("INNSA1", "INMUN1")))
        boe: Row = {
            "rtin": rtin,
            "port_code": port,
            "boe_num": number,
            "boe_dt": day,
            "refdt": sp.fmt_date(refdt),
        }
        boe |= {"txval": sp.rupees(taxable), "iamt": sp.rupees(sp.tax(taxable, bp)), "csamt": sp.rupees(cess)}
        boe |= {"is_sez": "Y" if kind == "sez" else "N", "amd": "Y" if kind == "amd" else "N"}
        boe |= {"sez_gstin": sez_unit} if sez_unit else {}
        boes.append(boe | ({"oboe_num": number, "oboe_dt": day} if kind == "amd" else {}))
    return {"boe": boes}


def large_return(seed: int, fp: str, documents: int, recipients: int = 5) -> Iterator[str]:
    """The JSON text of a big one-supplier GSTR-1 (b2b only), in chunks of up to 4,096 invoices."""
    return _large_chunks(seed, fp, documents, recipients, {})


def write_large_return(path: str | Path, seed: int, fp: str, documents: int, recipients: int = 5) -> dict[str, Any]:
    """Stream ``documents`` invoices (a million is fine) to ``path`` without holding them in memory.
    Returns a summary: supplier, fp, documents, per-recipient counts, taxable / tax / value paise."""
    summary: dict[str, Any] = {}
    with open(path, "w", encoding="ascii") as out:
        for chunk in _large_chunks(seed, fp, documents, recipients, summary):
            out.write(chunk)
    return summary


def _large_chunks(seed: int, fp: str, documents: int, recipients: int, summary: dict[str, Any]) -> Iterator[str]:
    if not 1 <= documents <= 9_999_999 or not 1 <= recipients <= 50:
        raise ValueError("documents must be 1..9,999,999 and recipients 1..50")
    rng, period = random.Random(seed), Period.parse(fp)
    supplier, ctins = make_gstin(rng, "27"), list[str]()
    while len(ctins) < recipients:
        ctin = make_gstin(rng, sp.STATES[len(ctins) % 8])  # MH first (intra-state), then KA, TN...
        if ctin[2:12] != supplier[2:12] and ctin not in ctins:
            ctins.append(ctin)
    weights = [1 / rank**1.3 for rank in range(1, recipients + 1)]
    counts = [int(documents * weight / sum(weights)) for weight in weights]
    counts[0] += documents - sum(counts)
    per_recipient = {ctin: count for ctin, count in zip(ctins, counts, strict=True) if count}
    first = max(period.first_day, date(2017, 7, 1))
    dates = [first + timedelta(days=n) for n in range((period.last_day - first).days + 1)]
    tables = [sp.rate_table(day) for day in dates]  # 40% only from 22-09-2025
    texts, ndays = [sp.fmt_date(day) for day in dates], len(dates)
    prefix = sp.number("MH", period, 0)[:-6]  # "MH/25-26/" + 7 digits: 16 characters
    rand, seq, taxable_total, tax_total = rng.random, 0, 0, 0
    yield f'{{"gstin":"{supplier}","fp":"{fp}","b2b":['
    for index, (ctin, count) in enumerate(per_recipient.items()):
        intra = ctin[:2] == supplier[:2]
        # %-templates are the fastest formatting here; amounts are integer paise split by divmod
        item = '"itms":[{"num":1,"itm_det":{"rt":%s,"txval":%d.%02d,'
        heads = '"iamt":0,"camt":%d.%02d,"samt":%d.%02d' if intra else '"iamt":%d.%02d,"camt":0,"samt":0'
        template = (
            f'{{"inum":"{prefix}%07d","idt":"%s","val":%d.%02d,"pos":"{ctin[:2]}","rchrg":"N",'
            f'"inv_typ":"R",{item}{heads},"csamt":0}}}}]}}\n'
        )
        yield ("," if index else "") + f'{{"ctin":"{ctin}","inv":[\n'
        buf: list[str] = []
        for k in range(count):
            seq += 1
            d = int(rand() * ndays)
            rt, bp = tables[d][int(rand() * 100)]
            tx = int(100_000 * 1000 ** rand())  # 1,000 to 10,00,000 rupees, log-uniform, in paise
            if intra:
                half = (tx * bp + 10000) // 20000
                value = tx + 2 * half
                cgst = divmod(half, 100)
                buf.append(template % (seq, texts[d], *divmod(value, 100), rt, *divmod(tx, 100), *cgst, *cgst))
            else:
                igst = (tx * bp + 5000) // 10000
                value = tx + igst
                buf.append(template % (seq, texts[d], *divmod(value, 100), rt, *divmod(tx, 100), *divmod(igst, 100)))
            taxable_total += tx
            tax_total += value - tx
            if len(buf) == 4096 or k == count - 1:
                yield ("," if k >= len(buf) else "") + ",".join(buf)
                buf.clear()
        yield "]}"
    yield "]}\n"
    totals = {
        "taxable_paise": taxable_total,
        "tax_paise": tax_total,
        "value_paise": taxable_total + tax_total,
    }
    summary |= {"supplier": supplier, "fp": fp, "documents": seq, "recipients": per_recipient} | totals


def demo_dataset(seed: int = 7) -> list[Filing]:
    """A realistic demo for 09-2025 and 10-2025: five monthly GSTR-1 filers (MH, KA, TN, DL, GJ;
    GJ's October return only saved), a GSTR-1A, a quarterly filer's GSTR-1 and IFF (WB), a
    non-resident's GSTR-5, an e-commerce operator's table 15, an ISD's GSTR-6 and Bills of Entry.
    October amendments revise September documents; every GSTR-1 has credit and debit notes, RCM,
    POS-ineligible and SEZ invoices. Returns are filed after their period, mostly by the due date."""
    universe = make_universe(seed, suppliers=12, recipients=10)
    rng = random.Random(seed)
    mix = Mix(0.1, 0.05, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05)
    sep_days = (
        date(2025, 10, 10),
        date(2025, 10, 11),
        date(2025, 10, 11),
        date(2025, 10, 9),
        date(2025, 10, 14),
    )
    oct_days = (date(2025, 11, 11), date(2025, 11, 12), date(2025, 11, 11), date(2025, 11, 10), None)
    filings: list[Filing] = []
    for index, (supplier, sep_day, oct_day) in enumerate(zip(universe.suppliers[:5], sep_days, oct_days, strict=True)):
        september = gstr1_return(universe, rng, supplier, "092025", 20, mix=mix)
        october = gstr1_return(universe, rng, supplier, "102025", 20, mix=mix, amend_from=september)
        filings.append(Filing("gstr1", september, "filed", sep_day))
        filings.append(Filing("gstr1", october, "filed" if oct_day else "saved", oct_day))
        if index == 0:  # MH corrects October through GSTR-1A before its GSTR-3B: 1 amendment, 2 new
            fix = Mix(0, 0, 0.34, 0, 0, 0, 0, 0)
            gstr1a = gstr1_return(universe, rng, supplier, "102025", 3, mix=fix, amend_from=october, first_seq=21)
            filings.append(Filing("gstr1a", gstr1a, "filed", date(2025, 11, 18)))
    qrmp = universe.suppliers[6]  # West Bengal: quarterly GSTR-1 for Jul-Sep 2025, IFF for October
    quarter = gstr1_return(universe, rng, qrmp, "092025", 12, mix=mix)
    filings.append(Filing("gstr1", quarter, "filed", date(2025, 10, 13), quarterly=True))
    iff = gstr1_return(universe, rng, qrmp, "102025", 8, mix=mix, amend_from=quarter)
    filings.append(Filing("iff", iff, "filed", date(2025, 11, 13), quarterly=True))
    gstr5 = gstr1_return(universe, rng, make_gstin(rng, "07"), "102025", 6, mix=Mix(0.2, 0, 0, 0, 0, 0, 0, 0))
    filings.append(Filing("gstr5", gstr5, "filed", date(2025, 11, 13)))
    for fp, eco_day, isd_day in (("092025", date(2025, 10, 11), date(2025, 10, 13)),
                                 ("102025", date(2025, 11, 11), date(2025, 11, 12))):  # fmt: skip
        filings.append(Filing("gstr1", eco_return(universe, seed + int(fp), fp, 12, amendments=0.1), "filed", eco_day))
        filings.append(Filing("gstr6", isd_return(universe, seed + int(fp), fp, 8, amendments=0.1), "filed", isd_day))
    for refdt, count in ((date(2025, 9, 24), 4), (date(2025, 10, 16), 5)):
        filings.append(Filing("boe", bills_of_entry(universe, seed + refdt.month, refdt, count), "filed", refdt))
    return filings
