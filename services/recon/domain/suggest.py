"""The suggested IMS action for a reconciled document: a pure table (docs/rules.md §10.3).

| category | supplier's return | suggestion |
|---|---|---|
| exact, suggested, manual | filed | Accept (a credit note with the ITC reduction the books show) |
| exact, suggested, manual | not filed | Pending where allowed, else none |
| later_period | any | Pending where allowed, else none |
| mismatch | any | Reject with a remark stating the difference; Pending where allowed for an import |
| | | (which cannot be rejected) or under the policy's `mismatch_pending` |
| only_in_ims | any | invoice, debit note, import: Pending where allowed, else none; credit note: |
| | | Pending where allowed, else Accept reducing ITC in full |
| only_in_books | - | none (`N`): there is no IMS document to act on |

Whether Pending is allowed is the IMS side's answer (`ImsDoc.pending_allowed`), never decided here. A credit
note accepted against the books declares, per tax head, what the books took, clamped to the note's tax.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.gst.money import format_rupees
from services.common.gst.periods import dmy
from services.common.gst.remarks import MAX_REMARKS
from services.common.gst.sections import section
from services.recon.domain.documents import CREDIT_NOTE, Amounts, BookDoc, ImsDoc
from services.recon.domain.policy import Policy

ACCEPT, REJECT, PENDING, NONE = "A", "R", "P", "N"
EXACT, SUGGESTED, MISMATCH, MANUAL = "exact", "suggested", "mismatch", "manual"
ONLY_IN_IMS, ONLY_IN_BOOKS, LATER_PERIOD = "only_in_ims", "only_in_books", "later_period"
CATEGORIES = (EXACT, SUGGESTED, MISMATCH, MANUAL, ONLY_IN_IMS, ONLY_IN_BOOKS, LATER_PERIOD)


@dataclass(frozen=True, slots=True)
class Difference:
    """One field that differs in a pair; `delta` is books minus supplier (paise, or days for a date)."""

    field: str
    books: object
    supplier: object
    delta: int | None = None


@dataclass(frozen=True, slots=True)
class Suggestion:
    action: str
    reason: str
    remark: str = ""
    itc_reduction: Amounts | None = None  # declared per tax head (txval 0), for a credit note accepted


def suggest(
    category: str, ims: ImsDoc | None, book: BookDoc | None, differences: tuple[Difference, ...], policy: Policy
) -> Suggestion:
    """The action the table gives this document (see the module's table)."""
    if ims is None:
        return Suggestion(NONE, "not in IMS: nothing to act on")
    pending = Suggestion(PENDING, "") if ims.pending_allowed else None
    if category in (EXACT, SUGGESTED, MANUAL):
        if not ims.filed:
            return _or_none(pending, "the supplier's return is not filed yet")
        return Suggestion(ACCEPT, "matches the books; the supplier's return is filed", "", _declared(ims, book))
    if category == LATER_PERIOD:
        return _or_none(pending, "a later period's document")
    if category == MISMATCH:
        remark = remark_of(differences)
        if pending and (policy.mismatch_pending or not section(ims.section).may_be_rejected):
            return Suggestion(PENDING, "differs from the books", remark)
        if section(ims.section).may_be_rejected:
            return Suggestion(REJECT, "differs from the books", remark)
        return Suggestion(NONE, "differs from the books; an import cannot be rejected and Pending is not allowed")
    if ims.kind != CREDIT_NOTE:
        return _or_none(pending, "not in the books")
    if pending:
        return Suggestion(PENDING, "a credit note not in the books, within its Pending window")
    return Suggestion(ACCEPT, "a credit note not in the books, its Pending window over", "", _declared(ims, None))


def _or_none(pending: Suggestion | None, reason: str) -> Suggestion:
    if pending is None:
        return Suggestion(NONE, reason + "; Pending is not allowed")
    return Suggestion(PENDING, reason)


def _declared(ims: ImsDoc, book: BookDoc | None) -> Amounts | None:
    """A credit note's ITC reduction: per head what the books took (all of the note's tax without books),
    never more than the note's tax on that head."""
    if ims.kind != CREDIT_NOTE:
        return None
    taken = book.amounts if book is not None else ims.amounts
    heads = [min(taken.of(h), ims.amounts.of(h)) for h in ("igst", "cgst", "sgst", "cess")]
    return Amounts(0, *heads)


LABELS = {"txval": "taxable value", "igst": "IGST", "cgst": "CGST", "sgst": "SGST", "cess": "cess", "tax": "tax"}
_REMARK_FIELDS = {"number": "number", "dt": "date", "pos": "place of supply", "rev": "reverse charge"}


def remark_of(differences: tuple[Difference, ...]) -> str:
    """The remark a Reject carries: each difference as the books and the supplier state it, at most 250
    characters (the fields that do not fit are left out, never cut in the middle)."""
    parts = []
    for d in differences:
        if d.field in LABELS:
            assert isinstance(d.books, int) and isinstance(d.supplier, int)
            parts.append(f"{LABELS[d.field]} Rs.{format_rupees(d.books)} in our books, Rs.{format_rupees(d.supplier)} "
                         f"in yours")  # fmt: skip
        elif d.field in _REMARK_FIELDS:
            books, supplier = (dmy(str(d.books)), dmy(str(d.supplier))) if d.field == "dt" else (d.books, d.supplier)
            parts.append(f"{_REMARK_FIELDS[d.field]} {books} in our books, {supplier} in yours")
    text = "Differs from our books:"
    for part in parts:
        if len(text) + len(part) + 2 > MAX_REMARKS:
            break
        text += (" " if text.endswith(":") else "; ") + part
    return text
