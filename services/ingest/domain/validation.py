"""Validate one reported document into a Document, or the Problems that refuse it.

Public surface (one function per document shape, each returning ``Document | list[Problem]``):

- ``validate_invoice(raw, ctx)``: b2b, b2ba, ecom.b2b, ecom.urp2b, ecoma.b2ba, ecoma.urp2ba rows;
- ``validate_note(raw, ctx)``: cdnr / cdnra rows (credit and debit notes);
- ``validate_isd(raw, ctx)``: GSTR-6 isd / isda ``doclst`` rows (ISD invoices and credit notes);
- ``validate_boe(raw)``: Bills of Entry (re-exported from ``boe``).

Guarantees: every field is checked and at most one Problem is kept per field; a row flagged
``"flag": "D"`` is a deletion and only its identity (supplier, recipient, type, number, date,
original number/date) must be valid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from services.common.gst.gstin import Gstin
from services.common.gst.periods import Period
from services.common.gst.sections import section_for, tables_where
from services.ingest.domain.boe import validate_boe
from services.ingest.domain.checker import Checker
from services.ingest.domain.documents import Document, Item
from services.ingest.domain.problems import ERROR_CODES, Problem, problem
from services.ingest.domain.rules import (
    INVOICE_TYPES,
    canonical_rate,
    parse_amount,
    parse_choice,
    parse_date,
    parse_diff_percent,
    parse_doc_number,
    parse_gstin_field,
    parse_pos,
    parse_rate,
)
from services.ingest.domain.taxes import check_item_taxes

__all__ = [
    "ERROR_CODES",
    "DocContext",
    "Problem",
    "validate_boe",
    "validate_invoice",
    "validate_isd",
    "validate_note",
]

AMENDMENT_TABLES = tables_where(lambda s: s.is_amendment)
ECO_TABLES = frozenset({"ecom.b2b", "ecom.urp2b", "ecoma.b2ba", "ecoma.urp2ba"})
ECO_SUPPLIER_TABLES = frozenset({"ecom.b2b", "ecoma.b2ba"})  # rows name the actual supplier (stin)
_HEADS = ("iamt", "camt", "samt", "csamt")
MAX_TOTAL_PAISE = 2**63 - 1  # a document's totals are Avro longs
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DocContext:
    """What a row inherits from its return and its party entry.

    ``supplier`` is the return's filer: the supplier itself, or for table 15 the e-commerce
    operator. ECO rows with a registered supplier carry it as ``stin`` (raw, validated per row);
    our rule: for ``ecom.urp2b`` (unregistered supplier) the operator's GSTIN is the supplier.
    ``recipient`` is the raw ``ctin``/``rtin``, validated per row.
    """

    supplier: Gstin
    recipient: object
    return_period: Period
    source_form: str
    table: str
    ecom_operator: str | None = None
    stin: object = None

    @property
    def recipient_field(self) -> str:
        return "rtin" if self.table in ECO_TABLES else "ctin"


@dataclass(frozen=True, slots=True)
class _Names:
    number: str
    date: str
    orig_number: str
    orig_date: str
    kind: str  # the field deciding the section (note/document type), "" when none


_INVOICE = _Names("inum", "idt", "oinum", "oidt", "")
_NOTE = _Names("nt_num", "nt_dt", "ont_num", "ont_dt", "ntty")
_ISD = _Names("docnum", "docdt", "odocnum", "odocdt", "isd_docty")


@dataclass(frozen=True, slots=True)
class _Identity:
    supplier: Gstin
    recipient: Gstin
    number: str
    doc_date: date
    orig_number: str | None
    orig_date: date | None


def validate_invoice(raw: Mapping[str, object], ctx: DocContext) -> Document | list[Problem]:
    """An invoice row of b2b, b2ba or table 15 (ecom / ecoma)."""
    return _validate_supply(raw, ctx, _INVOICE, None)


def validate_note(raw: Mapping[str, object], ctx: DocContext) -> Document | list[Problem]:
    """A credit or debit note row of cdnr / cdnra; ``ntty`` decides the section."""
    check = Checker()
    note_type = check.take(parse_choice(raw.get("ntty"), "ntty", ("C", "D")))
    return _validate_supply(raw, ctx, _NOTE, note_type, check)


def validate_isd(raw: Mapping[str, object], ctx: DocContext) -> Document | list[Problem]:
    """A GSTR-6 distribution document (isd / isda ``doclst`` row).

    ISD documents carry no items, rate or place of supply: taxable value is 0, the value is the
    sum of the heads. Our rules: the place of supply is the recipient's state; a recipient in
    another state gets IGST only, one in the ISD's state gets CGST = SGST (IGST credit may still
    be distributed as IGST).
    """
    check = Checker()
    doc_type = check.take(parse_choice(raw.get("isd_docty"), "isd_docty", ("ISD", "ISDCN")))
    ident = _identity(raw, ctx, _ISD, check)
    heads = [check.take(parse_amount(raw.get(head), head, required=False)) for head in _HEADS]
    igst, cgst, sgst, cess = (amount or 0 for amount in heads)
    if ident is not None and ident.supplier.pan != ident.recipient.pan:
        check.add(
            problem(
                ctx.recipient_field,
                "OTHER_PAN",
                f"{ident.recipient} is not a registration of the ISD's PAN {ident.supplier.pan}; an ISD "
                "distributes credit only to units of its own PAN",
            )
        )
    if ident is not None:
        if ident.supplier.state_code != ident.recipient.state_code:
            for name, amount in (("camt", cgst), ("samt", sgst)):
                if amount:
                    check.add(
                        problem(name, "TAX_HEAD_MISMATCH", "must be 0 for a recipient in another state; use iamt")
                    )
        elif cgst != sgst:
            check.add(problem("samt", "TAX_HEAD_MISMATCH", "must equal camt"))
    problems = check.problems(_identity_fields(ctx, _ISD) if _is_deletion(raw) else None)
    if problems or ident is None:
        return problems
    is_credit = doc_type == "ISDCN"
    return Document(
        section=section_for(ctx.table, "C" if is_credit else "I"),
        supplier=ident.supplier.value,
        recipient=ident.recipient.value,
        number=ident.number,
        doc_date=ident.doc_date,
        source_form=ctx.source_form,
        return_period=ctx.return_period,
        inv_typ="R",
        pos=ident.recipient.state_code,
        reverse_charge=False,
        value=igst + cgst + sgst + cess,
        taxable=0,
        igst=igst,
        cgst=cgst,
        sgst=sgst,
        cess=cess,
        note_type="C" if is_credit else None,
        orig_number=ident.orig_number,
        orig_date=ident.orig_date,
        deleted=_is_deletion(raw),
    )


def _validate_supply(
    raw: Mapping[str, object],
    ctx: DocContext,
    names: _Names,
    note_type: str | None,
    check: Checker | None = None,
) -> Document | list[Problem]:
    check = check or Checker()
    ident = _identity(raw, ctx, names, check)
    pos = check.take(parse_pos(raw.get("pos")))
    rchrg = check.take(parse_choice(raw.get("rchrg"), "rchrg", ("Y", "N"), "N"))
    inv_typ = check.take(parse_choice(raw.get("inv_typ"), "inv_typ", INVOICE_TYPES, "R"))
    diff_percent = check.take(parse_diff_percent(raw.get("diff_percent")))
    operator = _ecom_operator(raw, ctx, check)
    value = check.take(parse_amount(raw.get("val"), "val"))
    # rate and head checks need only the date and supplier, not a complete identity
    doc_date = _ok(parse_date(raw.get(names.date), names.date, ctx.return_period))
    supplier = _ok(_supplier(ctx))
    items = _items(raw.get("itms"), doc_date, check)
    if items is not None and supplier is not None and pos is not None and inv_typ is not None:
        for index, item in enumerate(items):
            check.add_all(
                check_item_taxes(
                    item,
                    f"itms[{index}].",
                    inv_typ=inv_typ,
                    supplier_state=supplier.state_code,
                    pos=pos,
                    diff_percent=diff_percent,
                )
            )
    deletion = _is_deletion(raw)
    problems = check.problems(_identity_fields(ctx, names) if deletion else None)
    if problems or ident is None:
        return problems
    items = items or ()
    taxable, igst, cgst, sgst, cess = (
        sum(item.taxable for item in items),
        sum(item.igst for item in items),
        sum(item.cgst for item in items),
        sum(item.sgst for item in items),
        sum(item.cess for item in items),
    )
    if max(taxable, igst, cgst, sgst, cess) > MAX_TOTAL_PAISE:  # only a deletion skips the value check
        return [problem("itms", "INVALID_AMOUNT", "the items' totals are too large for one document")]
    return Document(
        section=section_for(ctx.table, note_type),
        supplier=ident.supplier.value,
        recipient=ident.recipient.value,
        number=ident.number,
        doc_date=ident.doc_date,
        source_form=ctx.source_form,
        return_period=ctx.return_period,
        inv_typ=inv_typ or "R",
        pos=pos or ident.recipient.state_code,
        reverse_charge=rchrg == "Y",
        value=value or 0,
        taxable=taxable,
        igst=igst,
        cgst=cgst,
        sgst=sgst,
        cess=cess,
        items=items,
        note_type=note_type,
        orig_number=ident.orig_number,
        orig_date=ident.orig_date,
        ecom_operator=operator,
        diff_percent=diff_percent,
        deleted=deletion,
    )


def _identity(raw: Mapping[str, object], ctx: DocContext, names: _Names, check: Checker) -> _Identity | None:
    """The fields that identify a document; None when any of them is invalid (a Problem is kept)."""
    supplier = check.take(_supplier(ctx))
    recipient_field = ctx.recipient_field
    recipient = check.take(parse_gstin_field(ctx.recipient, recipient_field))
    if recipient is not None and recipient == supplier:
        check.add(problem(recipient_field, "SELF_SUPPLY", f"{recipient} is the supplier's own GSTIN"))
        recipient = None
    number = check.take(parse_doc_number(raw.get(names.number), names.number))
    doc_date = check.take(parse_date(raw.get(names.date), names.date, ctx.return_period))
    orig_number: str | None = None
    orig_date: date | None = None
    amendment = ctx.table in AMENDMENT_TABLES
    if amendment:
        orig_number = check.take(parse_doc_number(raw.get(names.orig_number), names.orig_number))
        orig_date = check.take(parse_date(raw.get(names.orig_date), names.orig_date, ctx.return_period))
    if supplier is None or recipient is None or number is None or doc_date is None:
        return None
    if amendment and (orig_number is None or orig_date is None):
        return None
    return _Identity(supplier, recipient, number, doc_date, orig_number, orig_date)


def _supplier(ctx: DocContext) -> Gstin | Problem:
    """The filer, or for table-15 rows of a registered supplier the row's ``stin``."""
    return parse_gstin_field(ctx.stin, "stin") if ctx.table in ECO_SUPPLIER_TABLES else ctx.supplier


def _ok(result: T | Problem) -> T | None:
    return None if isinstance(result, Problem) else result


def _identity_fields(ctx: DocContext, names: _Names) -> frozenset[str]:
    fields = {ctx.recipient_field, "stin", names.number, names.date, names.kind}
    if ctx.table in AMENDMENT_TABLES:
        fields |= {names.orig_number, names.orig_date}
    return frozenset(fields - {""})


def _is_deletion(raw: Mapping[str, object]) -> bool:
    return raw.get("flag") == "D"


def _ecom_operator(raw: Mapping[str, object], ctx: DocContext, check: Checker) -> str | None:
    """The e-commerce operator: the filer of table 15, else the row's ``etin`` when present."""
    reported = ctx.ecom_operator if ctx.ecom_operator is not None else raw.get("etin")
    if reported is None:
        return None
    operator = check.take(parse_gstin_field(reported, "etin"))
    return operator.value if operator is not None else None


def _items(raw: object, doc_date: date | None, check: Checker) -> tuple[Item, ...] | None:
    """The rows of ``itms``; None when any of them is unusable (Problems are kept)."""
    if raw is None:
        check.add(problem("itms", "MISSING_FIELD", "is required"))
        return None
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        check.add(problem("itms", "INVALID_FIELD", "must be a non-empty list of items"))
        return None
    items: list[Item] = []
    for index, entry in enumerate(raw):
        item = _item(entry, f"itms[{index}]", doc_date, check)
        if item is not None:
            items.append(item)
    return tuple(items) if len(items) == len(raw) else None


def _item(entry: object, where: str, doc_date: date | None, check: Checker) -> Item | None:
    detail = entry.get("itm_det") if isinstance(entry, Mapping) else None
    if not isinstance(detail, Mapping):
        check.add(problem(where, "INVALID_FIELD", "must be an object with an itm_det object"))
        return None
    rate = check.take(parse_rate(detail.get("rt"), f"{where}.rt", doc_date))
    taxable = check.take(parse_amount(detail.get("txval"), f"{where}.txval"))
    heads = [check.take(parse_amount(detail.get(head), f"{where}.{head}", required=False)) for head in _HEADS]
    igst, cgst, sgst, cess = heads
    if rate is None or taxable is None or igst is None or cgst is None or sgst is None:
        return None
    if cess is None:
        return None
    return Item(canonical_rate(rate), taxable, igst, cgst, sgst, cess)
