"""The documents workbook an accountant downloads, edits and uploads (docs/rules.md §8.4): its columns, the
row of one document, and the words its Action and ITC-reduction cells take.

One list of columns serves the XLSX and the CSV download and the upload that reads either back. Every row
carries what names its document (section, document id, the hash it was read with) and, in "Downloaded as",
its Action, Remarks and ITC-reduction cells as they were downloaded, so an upload sends only the rows a
person changed, whatever a colleague did meanwhile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.actions.domain.model import ACCEPT, NO_ACTION, PENDING, REJECT, ImsDocument
from services.actions.domain.pending import reduction_applies
from services.common.gst.money import paise_to_decimal
from services.common.gst.sections import SECTION_BY_KEY

ACTION_WORDS = {NO_ACTION: "No Action", ACCEPT: "Accept", REJECT: "Reject", PENDING: "Pending"}
YES_NO = {"Y": "Yes", "N": "No"}
SOURCE_FORMS = {"R1": "GSTR-1", "R1A": "GSTR-1A", "IFF": "IFF", "R5": "GSTR-5", "R6": "GSTR-6", "BOE": "ICEGATE"}
DECLARED = ("decl_igst", "decl_cgst", "decl_sgst", "decl_cess")


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the name code uses
    header: str  # what the sheet says
    width: int = 14
    kind: str = "text"  # text, money or date
    edit: bool = False  # read back from an upload as the recipient's decision
    hidden: bool = False  # hidden in the XLSX (still read back); the CSV shows every column
    choices: tuple[str, ...] = ()  # the XLSX offers these in a drop-down


def _money(key: str, header: str, edit: bool = False) -> Column:
    return Column(key, header, 14, "money", edit)


COLUMNS: tuple[Column, ...] = (
    Column("supplier", "GSTIN of supplier", 17),
    Column("doc_type", "Document type", 30),
    Column("number", "Document number", 18),
    Column("doc_date", "Document date", 13, "date"),
    Column("orig_number", "Original document number", 18),
    Column("orig_date", "Original document date", 13, "date"),
    _money("value", "Document value (₹)"),
    _money("taxable", "Taxable value (₹)"),
    _money("igst", "Integrated tax (₹)"),
    _money("cgst", "Central tax (₹)"),
    _money("sgst", "State/UT tax (₹)"),
    _money("cess", "Cess (₹)"),
    Column("pos", "Place of supply", 9),
    Column("return_period", "Return period", 9),
    Column("source_form", "Source form", 10),
    Column("filing_status", "Filing status", 10),
    Column("gstr2b_period", "GSTR-2B period", 9),
    Column("pending_blocked", "Pending blocked?", 9),
    Column("pending_until", "Pending allowed until", 13, "date"),
    Column("action", "Action", 12, edit=True, choices=tuple(ACTION_WORDS.values())),
    Column("remarks", "Remarks", 40, edit=True),
    Column("itc_red_req", "Whether ITC needs to be reduced?", 12, edit=True, choices=tuple(YES_NO.values())),
    _money("decl_igst", "ITC reduction declared: integrated tax (₹)", True),
    _money("decl_cgst", "ITC reduction declared: central tax (₹)", True),
    _money("decl_sgst", "ITC reduction declared: State/UT tax (₹)", True),
    _money("decl_cess", "ITC reduction declared: cess (₹)", True),
    Column("recipient", "GSTIN of recipient", 17),
    Column("section", "Section", 9),
    Column("doc_id", "Document id", 40),
    Column("hash", "Document hash", 20, hidden=True),
    Column("downloaded_as", "Downloaded as", 20, hidden=True),
)
COLUMN_BY_KEY = {c.key: c for c in COLUMNS}
HEADERS = tuple(c.header for c in COLUMNS)
REQUIRED = ("doc_id", "hash", "downloaded_as", "action")  # without these an upload cannot tell what changed


@dataclass(frozen=True, slots=True)
class Edits:
    """What a row's Action, Remarks and ITC-reduction cells say: amounts in paise, None where blank."""

    action: str
    remarks: str | None = None
    itc_red_req: str | None = None
    declared: tuple[int | None, int | None, int | None, int | None] = (None, None, None, None)

    def encoded(self) -> str:
        """The "Downloaded as" cell: a JSON list, so the originals travel with the row they belong to."""
        amounts = [None if p is None else f"{paise_to_decimal(p):f}" for p in self.declared]
        values = [self.action, self.remarks, self.itc_red_req, *amounts]
        return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def edits_of(doc: ImsDocument) -> Edits:
    declared = (doc.decl_igst, doc.decl_cgst, doc.decl_sgst, doc.decl_cess)
    return Edits(doc.action, doc.remarks or None, doc.itc_red_req, declared)


def _rupees(paise: int | None) -> Decimal | None:
    return None if paise is None else paise_to_decimal(paise)


def _day(iso: str | None) -> date | None:
    return None if not iso else date.fromisoformat(iso)


def sheet_row(doc: ImsDocument) -> dict[str, Any]:
    """One document as a row: amounts as Decimal rupees, dates as `date`, the rest text (None where blank).
    The ITC-reduction cells are filled where the question applies or was answered, and left blank elsewhere."""
    edits = edits_of(doc)
    asks = reduction_applies(doc) or doc.itc_red_req is not None
    row: dict[str, Any] = {
        "supplier": doc.supplier,
        "doc_type": SECTION_BY_KEY[doc.section].heading,
        "number": doc.number,
        "doc_date": _day(doc.doc_date),
        "orig_number": doc.orig_number,
        "orig_date": _day(doc.orig_date),
        "value": _rupees(doc.value),
        "taxable": _rupees(doc.taxable),
        "igst": _rupees(doc.igst),
        "cgst": _rupees(doc.cgst),
        "sgst": _rupees(doc.sgst),
        "cess": _rupees(doc.cess),
        "pos": doc.pos,
        "return_period": doc.return_period,
        "source_form": SOURCE_FORMS.get(doc.source_form, doc.source_form),
        "filing_status": "Filed" if doc.filing_status == "filed" else "Not Filed",
        "gstr2b_period": doc.gstr2b_period,
        "pending_blocked": "Yes" if doc.pending_blocked else "No",
        "pending_until": _day(doc.pending_deadline) if doc.pending_blocked else None,
        "action": ACTION_WORDS.get(doc.action, doc.action),
        "remarks": doc.remarks,
        "itc_red_req": YES_NO.get(doc.itc_red_req or "") if asks else None,
        "recipient": doc.recipient,
        "section": doc.section,
        "doc_id": doc.doc_key,
        "hash": doc.version_hash,
        "downloaded_as": edits.encoded(),
    }
    for key, paise in zip(DECLARED, edits.declared, strict=True):
        row[key] = _rupees(paise) if asks else None
    return row
