"""The document as IMS sees it: one invoice, note or bill of entry, amounts in paise."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.common.gst.periods import Period


@dataclass(frozen=True, slots=True)
class Item:
    rate: str  # canonical decimal text, e.g. "18", "0.25", "7.5"
    taxable: int  # paise
    igst: int
    cgst: int
    sgst: int
    cess: int

    def as_record(self) -> dict[str, str | int]:
        return {
            "rate": self.rate,
            "taxable": self.taxable,
            "igst": self.igst,
            "cgst": self.cgst,
            "sgst": self.sgst,
            "cess": self.cess,
        }


@dataclass(frozen=True, slots=True)
class Document:
    """A supplier-reported document addressed to one recipient. Immutable; a new version is a new value."""

    # IMS section key: b2b b2ba b2bdn b2bdna b2bcn b2bcna ecom ecoma isd isda isdcn isdcna
    # impg impga impgsez impgseza (see sections.SECTIONS)
    section: str
    supplier: str  # GSTIN of the supplier (stin); for BoE the recipient itself (self-import)
    recipient: str  # GSTIN of the recipient (ctin / rtin)
    number: str  # inum / nt_num / BoE number, as reported (case kept)
    doc_date: date
    source_form: str  # R1, R1A, IFF, R5, R6, BOE
    return_period: Period  # the return's fp (for BoE: the reference-date month)
    inv_typ: str  # R, SEWP, SEWOP, DE, CBW (BoE: "IMPG" / "IMPGSEZ")
    pos: str  # two digits
    reverse_charge: bool
    value: int  # val, paise
    taxable: int
    igst: int
    cgst: int
    sgst: int
    cess: int
    items: tuple[Item, ...] = ()
    note_type: str | None = None  # "C" / "D" for notes, None otherwise
    orig_number: str | None = None  # amendments: oinum / ont_num / original BoE number
    orig_date: date | None = None
    ecom_operator: str | None = None  # etin, or the operator filing table 15
    diff_percent: str | None = None  # "0.65" or None
    port_code: str | None = None  # BoE only
    sez_supplier: str | None = None  # BoE of goods from an SEZ unit or developer: that supplier's GSTIN
    deleted: bool = False  # "flag": "D" on a saved document
    extra: tuple[tuple[str, str], ...] = field(default=())  # reserved

    @property
    def is_amendment(self) -> bool:
        return self.orig_number is not None
