"""A reference GSTR-2B computed from a test's own input, written from docs/rules.md §2, §3, §5 and §7.

Deliberately naive and independent of the product: a document is described by what the supplier
filed (kind, parties, place of supply, reverse charge, amounts in paise) and the recipient's last
action; the rules decide where it lands and what it counts:

- §2: reverse charge skips IMS (ITC available, reverse-charge part; a credit note under reverse charge
  counts in `othersup.cdnrrev` and is listed in `cdnr` with `rev` Y); POS = supplier state while the
  recipient is elsewhere skips IMS for "ITC not available" with reason P (never imports or ISD documents);
- §3: No Action and Accept → ITC available; Reject → ITC rejected; Pending → left out; imports can
  never be rejected; an accepted credit note reduces ITC by the declared reduction (Yes by default =
  full, No = nothing, Yes with amounts = those amounts) and is listed with the supplier's amounts, the
  answer (`itcRedReq`) and the amounts declared (the whole tax when Yes came without amounts) beside them;
- §7: the blocks / buckets / leaves, GSTR-3B table 4 (credit notes reduce the part they belong to), and
  where GSTN lists each document: Bills of Entry as flat `impg` rows or under the SEZ supplier in `impgsez`,
  ISD documents as `ISDI` / `ISDC` with `itcelg`; `cpsumm` / `cpSummRej` per supplier with `nttyp`, `doctyp`
  or the port of an SEZ supplier's Bills of Entry.
"""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict

from services.common.gst.gstin import check_character

HEADS = ("igst", "cgst", "sgst", "cess")
BLOCKS = ("itcavl", "itcunavl", "itcrev", "itcRejected")
BUCKETS: dict[str, tuple[str, ...]] = {  # docs/rules.md §7, verbatim
    "nonrevsup": ("b2b", "b2ba", "cdnr", "cdnra", "ecom", "ecoma"),
    "isdsup": ("isd", "isda"),
    "revsup": ("b2b", "b2ba", "cdnr", "cdnra"),
    "imports": ("impg", "impga", "impgsez", "impgasez"),
    "othersup": ("cdnr", "cdnra", "cdnrrev", "cdnrarev", "isd", "isda"),
}
# GSTN's Rule 37A block has no reverse-charge bucket and no ECO leaves (docs/rules.md §7.1): Rule 37A reverses neither
NOT_IN_ITCREV = {("revsup", leaf) for leaf in BUCKETS["revsup"]} | {("nonrevsup", "ecom"), ("nonrevsup", "ecoma")}
# leaves holding both supplies and credit notes: a line's `typ` must tell which it is ("C" = credit note)
NOTE_LEAVES = frozenset({"cdnr", "cdnra", "cdnrrev", "cdnrarev", "isd", "isda"})
# GSTN lists a leaf's documents in a list of that name, but for these (docs/rules.md §7.2)
LISTED_IN = {"cdnrrev": "cdnr", "cdnrarev": "cdnra", "impga": "impg", "impgasez": "impgsez"}
TABLE4_ROWS = ("4A1", "4A3", "4A4", "4A5", "4B2", "4D2")

# What a supplier can file, by our own names: (IMS section of §1, reduces ITC, is an import, is ISD)
KINDS: dict[str, tuple[str, bool, bool, bool]] = {
    "inv": ("b2b", False, False, False),
    "dn": ("b2bdn", False, False, False),
    "cn": ("b2bcn", True, False, False),
    "ecom": ("ecom", False, False, False),
    "isd": ("isd", False, False, True),
    "isdcn": ("isdcn", True, False, True),
    "impg": ("impg", False, True, False),
    "impgsez": ("impgsez", False, True, False),
}

# Where a document lands in GSTR-2B (docs/rules.md §7): (kind, reverse charge) → (bucket, leaf)
PLACE: dict[tuple[str, bool], tuple[str, str]] = {
    ("inv", False): ("nonrevsup", "b2b"),
    ("inv", True): ("revsup", "b2b"),
    ("dn", False): ("nonrevsup", "cdnr"),
    ("dn", True): ("revsup", "cdnr"),
    ("cn", False): ("othersup", "cdnr"),
    ("cn", True): ("othersup", "cdnrrev"),
    ("ecom", False): ("nonrevsup", "ecom"),
    ("isd", False): ("isdsup", "isd"),
    ("isdcn", False): ("othersup", "isd"),
    ("impg", False): ("imports", "impg"),
    ("impgsez", False): ("imports", "impgsez"),
}

_serial = itertools.count(1)
_ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def fresh_gstin(state: str) -> str:
    """A checksum-valid GSTIN no other test uses: random PAN letters plus a serial."""
    letters = "".join(_ALPHA[b % 26] for b in uuid.uuid4().bytes[:4])
    first14 = f"{state}G{letters}{next(_serial) % 10000:04d}Z1Z"
    return first14 + check_character(first14)


def sibling_gstin(gstin: str, state: str, entity: str = "2") -> str:
    """Another registration of the same PAN (an ISD distributes only to units of its own PAN)."""
    first14 = f"{state}{gstin[2:12]}{entity}Z"
    return first14 + check_character(first14)


def rupees(paise: int) -> Decimal:
    return Decimal(paise).scaleb(-2).quantize(Decimal("0.01"))


def paise(value: Any) -> int:
    """A JSON amount (Decimal, int or float text) in paise; it must be a whole number of paise."""
    exact = Decimal(str(value)) * 100
    assert exact == exact.to_integral_value(), f"{value!r} is not a whole number of paise"
    return int(exact)


def zero() -> dict[str, int]:
    return dict.fromkeys(HEADS, 0)


def add(a: dict[str, int], b: dict[str, int], sign: int = 1) -> dict[str, int]:
    return {h: a[h] + sign * b[h] for h in HEADS}


class TaxHeads(TypedDict, total=False):
    """The tax heads a document is given by name (`Doc`'s fields): IGST, or CGST and SGST."""

    igst: int
    cgst: int
    sgst: int


@dataclass
class Doc:
    """One filed document, as the test filed it (amounts in paise, dates DD-MM-YYYY)."""

    kind: str
    supplier: str
    recipient: str
    number: str
    date: str
    pos: str
    txval: int
    igst: int = 0
    cgst: int = 0
    sgst: int = 0
    cess: int = 0
    rate: int = 18
    rchrg: bool = False
    supfildt: str = "11-11-2025"
    supprd: str = "102025"
    port_code: str = "INBLR4"
    refdt: str = "20-10-2025"
    sez_gstin: str | None = None  # a Bill of Entry of goods from an SEZ: the SEZ supplier
    operator: str | None = None  # an ECO 9(5) document: the e-commerce operator who reported it

    @property
    def key(self) -> tuple[str, str]:
        return (self.supplier, self.number)

    @property
    def value(self) -> int:
        return self.txval + self.igst + self.cgst + self.sgst + self.cess

    @property
    def heads(self) -> dict[str, int]:
        return {h: getattr(self, h) for h in HEADS}

    @property
    def ims_section(self) -> str:
        return KINDS[self.kind][0]

    @property
    def reduces_itc(self) -> bool:
        return KINDS[self.kind][1]

    @property
    def is_import(self) -> bool:
        return KINDS[self.kind][2]

    @property
    def route(self) -> str:
        """docs/rules.md §2: "revsup" (reverse charge), "itcunavl" (POS rule, reason P) or "ims"."""
        if self.rchrg:
            return "revsup"
        special = KINDS[self.kind][2] or KINDS[self.kind][3]
        if not special and self.pos == self.supplier[:2] and self.recipient[:2] != self.pos:
            return "itcunavl"
        return "ims"

    @property
    def place(self) -> tuple[str, str]:
        return PLACE[(self.kind, self.rchrg)]

    @property
    def note_type(self) -> str | None:
        return {"cn": "C", "dn": "D", "isdcn": "C"}.get(self.kind)

    def locator(self) -> dict[str, str]:
        """How a SAVE request names the document (GSTN: stin + number + date of the section)."""
        if self.is_import:
            return {"stin": self.supplier, "boenum": self.number, "boedt": self.date}
        if self.kind in ("cn", "dn", "isdcn"):
            return {"stin": self.supplier, "nt_num": self.number, "nt_dt": self.date}
        return {"stin": self.supplier, "inum": self.number, "idt": self.date}

    def item(self) -> dict[str, Any]:
        return {
            "num": 1,
            "itm_det": {
                "rt": self.rate,
                "txval": rupees(self.txval),
                "iamt": rupees(self.igst),
                "camt": rupees(self.cgst),
                "samt": rupees(self.sgst),
                "csamt": rupees(self.cess),
            },
        }

    def row(self) -> dict[str, Any]:
        """The row as the supplier's return (or the Bill of Entry) carries it."""
        common = {
            "val": rupees(self.value),
            "pos": self.pos,
            "rchrg": "Y" if self.rchrg else "N",
            "inv_typ": "R",
            "itms": [self.item()],
        }
        if self.kind in ("inv", "ecom"):
            return {"inum": self.number, "idt": self.date, **common}
        if self.kind in ("cn", "dn"):
            return {"ntty": self.note_type, "nt_num": self.number, "nt_dt": self.date, **common}
        if self.kind in ("isd", "isdcn"):
            return {
                "isd_docty": "ISD" if self.kind == "isd" else "ISDCN",
                "docnum": self.number,
                "docdt": self.date,
                "iamt": rupees(self.igst),
                "camt": rupees(self.cgst),
                "samt": rupees(self.sgst),
                "csamt": rupees(self.cess),
            }
        return {
            "rtin": self.recipient,
            "port_code": self.port_code,
            "boe_num": self.number,
            "boe_dt": self.date,
            "refdt": self.refdt,
            "txval": rupees(self.txval),
            "iamt": rupees(self.igst),
            "csamt": rupees(self.cess),
            "is_sez": "Y" if self.kind == "impgsez" else "N",
            "amd": "N",
            **({"sez_gstin": self.sez_gstin} if self.sez_gstin else {}),
        }


def supply(
    kind: str,
    supplier: str,
    recipient: str,
    number: str,
    date: str,
    txval: int,
    rate: int = 18,
    *,
    pos: str | None = None,
    rchrg: bool = False,
    cess: int = 0,
    **extra: Any,
) -> Doc:
    """A document with its tax heads from the rate (docs/rules.md §9: POS ≠ supplier state → IGST, else
    CGST = SGST), each rounded half-up to the paisa."""
    pos = pos or recipient[:2]
    heads: TaxHeads
    if supplier[:2] != pos or kind in ("impg", "impgsez"):
        heads = {"igst": (txval * rate + 50) // 100}
    else:
        half = (txval * rate + 100) // 200
        heads = {"cgst": half, "sgst": half}
    return Doc(
        kind,
        supplier,
        recipient,
        number,
        date,
        pos,
        txval,
        rate=rate,
        rchrg=rchrg,
        cess=cess,
        **heads,
        **extra,
    )


@dataclass(frozen=True)
class Action:
    """A recipient's action: A / R / P, or N (reset); `decl` a partial ITC-reduction declaration."""

    code: str
    remarks: str | None = None
    itc_red_req: str | None = None
    decl: dict[str, int] | None = None

    def record(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.code}
        if self.remarks:
            out["remarks"] = self.remarks
        if self.itc_red_req:
            out["itcRedReq"] = self.itc_red_req
        for head, amount in (self.decl or {}).items():
            out["decl" + head.capitalize()] = rupees(amount)
        return out


NO_ACTION = Action("N")


def refusal(doc: Doc, action: Action) -> str | None:
    """docs/rules.md §2/§3: only IMS documents can be actioned; imports never rejected."""
    if doc.route != "ims":
        return "NOT_ACTIONABLE"
    if action.code == "R" and doc.is_import:
        return "REJECT_NOT_ALLOWED"
    return None


def counted(doc: Doc, action: Action) -> dict[str, int]:
    """What the statement counts for the document (before placement)."""
    if doc.route == "ims" and doc.reduces_itc and action.code == "A":
        if action.itc_red_req == "N":
            return zero()
        if action.decl:
            return {h: action.decl.get(h, 0) for h in HEADS}
    return doc.heads


def block_of(doc: Doc, action: Action) -> str | None:
    """None: left out of this statement (Pending)."""
    if doc.route == "itcunavl":
        return "itcunavl"
    if doc.route == "revsup":
        return "itcavl"
    return {"N": "itcavl", "A": "itcavl", "R": "itcRejected", "P": None}[action.code]


def answer(doc: Doc, action: Action) -> dict[str, Any]:
    """The ITC-reduction answer a listed credit note shows beside its amounts (docs/rules.md §3.10, §3.12):
    an accept without `itcRedReq` is Yes; Yes without amounts declares the whole tax; No declares nothing."""
    if not (doc.route == "ims" and doc.reduces_itc and action.code == "A"):
        return {}
    if action.itc_red_req == "N":
        return {"itcRedReq": "N"}
    declared = {h: (action.decl or {}).get(h, 0) for h in HEADS} if action.decl else doc.heads
    return {"itcRedReq": "Y", **{"decl" + h.capitalize(): declared[h] for h in HEADS}}


def listing(doc: Doc, leaf: str) -> tuple[str, str | None]:
    """(list, ctin) the document is listed under: no supplier for a Bill of Entry outside an SEZ; the SEZ
    supplier for one from an SEZ; the operator for an ECO 9(5) document ("GSTIN of ECO"); else the seller."""
    if doc.kind == "impg":
        return (LISTED_IN.get(leaf, leaf), None)
    counterparty = doc.sez_gstin if doc.kind == "impgsez" else doc.operator or doc.supplier
    return (LISTED_IN.get(leaf, leaf), counterparty)


def summary_key(doc: Doc, listed: str, ctin: str | None) -> tuple[str, str | None, str | None] | None:
    """A `cpsumm` row: per list and supplier, and the note type (notes), document type (ISD) or port (SEZ
    Bills of Entry); Bills of Entry outside an SEZ have none."""
    if doc.kind == "impg":
        return None
    if doc.kind == "impgsez":
        return (listed, ctin, doc.port_code)
    if doc.kind in ("isd", "isdcn"):
        return (listed, ctin, "ISDC" if doc.kind == "isdcn" else "ISDI")
    return (listed, ctin, doc.note_type)


@dataclass
class Expected:
    leaves: dict[tuple[str, str, str], dict[str, int]]
    buckets: dict[tuple[str, str], dict[str, int]]
    table4: dict[str, dict[str, int]]
    docdata: dict[tuple[str, str | None, str], dict[str, Any]] = field(default_factory=dict)
    rejected: dict[tuple[str, str | None, str], dict[str, Any]] = field(default_factory=dict)
    cpsumm: dict[tuple[str, str | None, str | None], dict[str, Any]] = field(default_factory=dict)
    cpsumm_rejected: dict[tuple[str, str | None, str | None], dict[str, Any]] = field(default_factory=dict)


def _line(doc: Doc, block: str, leaf: str, action: Action) -> dict[str, Any]:
    """What the statement lists for the document: the supplier's amounts (docs/rules.md §7.2)."""
    isd, imports = doc.kind in ("isd", "isdcn"), doc.is_import
    return {
        "itcavl": None if imports else ("N" if block == "itcunavl" else "Y"),  # a BoE row has no availability
        "rsn": "P" if block == "itcunavl" else "",
        "rev": None if isd or imports else ("Y" if doc.rchrg else "N"),
        "txval": None if isd else doc.txval,
        "val": None if isd or imports else doc.value,
        "supfildt": None if imports else doc.supfildt,
        "supprd": None if imports else doc.supprd,
        "credit": doc.reduces_itc if leaf in NOTE_LEAVES else None,
        **doc.heads,
        **answer(doc, action),
    }


def expected_statement(docs: list[Doc], actions: dict[tuple[str, str], Action]) -> Expected:
    """The statement for `docs` (all of the statement's period) given each one's last action."""
    leaves = {
        (b, k, leaf): zero()
        for b in BLOCKS
        for k, names in BUCKETS.items()
        for leaf in names
        if not (b == "itcrev" and (k, leaf) in NOT_IN_ITCREV)
    }
    expected = Expected(leaves, {}, {})
    summaries: dict[str, defaultdict[tuple[str, str | None, str | None], dict[str, Any]]] = {
        "itcavl": defaultdict(_summary_row),
        "itcRejected": defaultdict(_summary_row),
    }
    for doc in docs:
        action = actions.get(doc.key, NO_ACTION) if doc.route == "ims" else NO_ACTION
        block = block_of(doc, action)
        if block is None:
            continue
        bucket, leaf = doc.place
        leaves[(block, bucket, leaf)] = add(leaves[(block, bucket, leaf)], counted(doc, action))
        listed, ctin = listing(doc, leaf)
        lines = expected.rejected if block == "itcRejected" else expected.docdata
        lines[(listed, ctin, doc.number)] = _line(doc, block, leaf, action)
        key = summary_key(doc, listed, ctin)
        if block in summaries and key is not None:
            row = summaries[block][key]
            row["ttldocs"] += 1
            row["txval"] = None if doc.kind in ("isd", "isdcn") else row["txval"] + doc.txval
            for h in HEADS:
                row[h] += doc.heads[h]
    expected.cpsumm, expected.cpsumm_rejected = dict(summaries["itcavl"]), dict(summaries["itcRejected"])
    buckets = {(b, k): zero() for b in BLOCKS for k in BUCKETS}
    for (b, k, _), heads in leaves.items():
        buckets[(b, k)] = add(buckets[(b, k)], heads)
    avl = lambda k, leaf=None: leaves[("itcavl", k, leaf)] if leaf else buckets[("itcavl", k)]  # noqa: E731
    unavailable = zero()
    for k in BUCKETS:
        unavailable = add(unavailable, buckets[("itcunavl", k)])
    expected.buckets = buckets
    expected.table4 = {
        "4A1": avl("imports"),
        "4A3": add(add(avl("revsup"), avl("othersup", "cdnrrev"), -1), avl("othersup", "cdnrarev"), -1),
        "4A4": add(add(avl("isdsup"), avl("othersup", "isd"), -1), avl("othersup", "isda"), -1),
        "4A5": add(add(avl("nonrevsup"), avl("othersup", "cdnr"), -1), avl("othersup", "cdnra"), -1),
        "4B2": zero(),
        "4D2": unavailable,
    }
    return expected


def _summary_row() -> dict[str, Any]:
    return {"ttldocs": 0, "txval": 0, **zero()}
