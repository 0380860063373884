"""What the reconciliation engine reads: a booked voucher, an IMS document, a manual link (docs/rules.md §10.2).

Small frozen values built by an adapter from `recon_purchases` and `ims_documents` (or by a test), amounts in
paise. A document's kind pairs the books' `doc_type` with the IMS sections (`kind_of_section`, from the
sections' own attributes): invoices (B2B, e-commerce, ISD invoices and their amendments), debit notes, credit
notes, Bills of Entry. A Bill of Entry has no supplier GSTIN in the books, so its port code stands in as the
party it is matched within.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.common.gst.sections import SECTIONS, Section, section

INVOICE, DEBIT_NOTE, CREDIT_NOTE, BILL_OF_ENTRY = "INV", "DN", "CN", "BOE"


def _kind(found: Section) -> str:
    if found.is_import:
        return BILL_OF_ENTRY
    if found.is_credit_note:
        return CREDIT_NOTE
    return DEBIT_NOTE if found.is_note else INVOICE


KIND_OF_SECTION = {s.key: _kind(s) for s in SECTIONS}


def kind_of_section(key: str) -> str:
    """The books' document type an IMS section pairs with."""
    return KIND_OF_SECTION[key]


@dataclass(frozen=True, slots=True)
class Amounts:
    txval: int
    igst: int
    cgst: int
    sgst: int
    cess: int

    @property
    def tax(self) -> int:
        return self.igst + self.cgst + self.sgst + self.cess

    def of(self, head: str) -> int:
        return self.tax if head == "tax" else int(getattr(self, head))

    def by_head(self) -> dict[str, int]:
        """Every head and the total tax, by name."""
        return {"txval": self.txval, "igst": self.igst, "cgst": self.cgst, "sgst": self.sgst, "cess": self.cess,
                "tax": self.tax}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BookDoc:
    """One live voucher of the register: `number` is `inum`, or `boenum` for a Bill of Entry."""

    voucher_id: str
    ctin: str
    kind: str
    number: str
    dt: date
    posting_date: date
    pos: str
    rev: bool
    amounts: Amounts
    portcode: str = ""

    @property
    def party(self) -> str:
        return "port:" + self.portcode if self.kind == BILL_OF_ENTRY else self.ctin


@dataclass(frozen=True, slots=True)
class ImsDoc:
    """One live IMS document. `filed`: the supplier's return is filed (a saved one is not); `pending_allowed`:
    whether Pending may be chosen for it today, as the IMS side decided (its Pending-blocked flag and window,
    docs/rules.md §3.6-3.8)."""

    doc_key: str
    section: str
    ctin: str
    number: str
    dt: date
    pos: str
    rev: bool
    amounts: Amounts
    filed: bool = True
    pending_allowed: bool = True
    port_code: str = ""
    action: str = "N"  # the recipient's current action, shown beside the suggestion
    version_hash: str = ""  # the version reconciled: an action applied from the result carries it (STALE_HASH)

    @property
    def kind(self) -> str:
        return kind_of_section(self.section)

    @property
    def party(self) -> str:
        return "port:" + self.port_code if self.kind == BILL_OF_ENTRY else self.ctin

    @property
    def number_key(self) -> str:
        """GSTN's name of its number (`inum`, `nt_num`, `boenum`)."""
        return section(self.section).number_key


@dataclass(frozen=True, slots=True)
class Link:
    """A pairing the recipient made by hand: it wins over every rule."""

    voucher_id: str
    doc_key: str


def pan_of(party: str) -> str:
    """A supplier's PAN (GSTIN characters 3-12), shared by its branches; a port has none."""
    return "" if party.startswith("port:") else party[2:12]
