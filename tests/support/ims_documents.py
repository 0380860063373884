"""IMS read-model documents for unit tests: a filed October-2025 invoice by default, any field overridden.

Amounts are paise. The supplier is in Maharashtra (27), the recipient in Karnataka (29): IGST only.
"""

from __future__ import annotations

from typing import Any

from services.actions.domain.filings import FilingFacts
from services.actions.domain.model import ImsDocument

RECIPIENT = "29AABCM7710Q1ZX"
SUPPLIER = "27AAPFK4821M1ZT"

_INVOICE: dict[str, Any] = dict(
    recipient=RECIPIENT, original_key=None, section="b2b", supplier=SUPPLIER, number="INV-1",
    doc_date="2025-10-10", note_type=None, orig_number=None, orig_date=None, inv_typ="R", pos="29",
    reverse_charge=False, source_form="R1", return_period="102025", value=118_000, taxable=100_000, igst=18_000,
    cgst=0, sgst=0, cess=0, version_hash="0" * 64, route="ims", part="ims", reason="", filing_status="filed",
    filed_on="2025-11-11", gstr2b_period="102025", ecom_operator=None, diff_percent=None, port_code=None,
)  # fmt: skip


def ims_document(doc_key: str = "b2b|x|2025|INV-1", **changes: Any) -> ImsDocument:
    return ImsDocument(doc_key=doc_key, **(_INVOICE | changes))


def credit_note(doc_key: str = "b2bcn|x|2025|CN-1", **changes: Any) -> ImsDocument:
    return ims_document(doc_key, **({"section": "b2bcn", "note_type": "C", "number": "CN-1"} | changes))


def amendment(of: ImsDocument, value: int, **changes: Any) -> ImsDocument:
    """An amendment of `of` in the next return, its direction judged against it, IGST at 18% of its value."""
    section = {"b2b": "b2ba", "b2bcn": "b2bcna", "b2bdn": "b2bdna", "ecom": "ecoma", "isd": "isda"}[of.section]
    direction = "up" if value > of.value else ("down" if value < of.value else "same")
    fields: dict[str, Any] = {
        "section": section,
        "original_key": of.doc_key,
        "orig_number": of.number,
        "orig_date": of.doc_date,
        "value": value,
        "igst": value * 18 // 118,
        "return_period": "112025",
        "gstr2b_period": "112025",
        "filed_on": "2025-12-11",
        "amend_direction": direction,
        "link_no": 1,
    }
    return ims_document(section + of.doc_key[of.doc_key.index("|") :], **(fields | changes))


RECORD_FIELDS = ("section", "supplier", "number", "doc_date", "note_type", "orig_number", "orig_date", "inv_typ",
                 "pos", "reverse_charge", "source_form", "value", "taxable", "igst", "cgst", "sgst", "cess",
                 "version_hash", "route", "part", "reason", "gstr2b_period", "ecom_operator", "diff_percent",
                 "port_code", "original_key", "sez_supplier")  # fmt: skip


def filed_record(doc: ImsDocument, deleted: bool = False) -> dict[str, Any]:
    """The `DocumentsFiled` document record that reports `doc` (as services/ingest/records.py writes it)."""
    return {f: getattr(doc, f) for f in RECORD_FIELDS} | {"key": doc.doc_key, "deleted": deleted}


def facts_of(doc: ImsDocument, quarterly_recipient: bool = False) -> FilingFacts:
    """The facts of the filing that reports `doc`: its status, filing day and return period."""
    return FilingFacts(doc.recipient, doc.filing_status, doc.filed_on, "ref-1", doc.return_period, quarterly_recipient)
