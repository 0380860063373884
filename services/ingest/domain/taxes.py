"""Tax-head and value consistency of a document's items (docs/rules.md §9).

Our rules: each head may differ from taxable value x rate by at most 1 rupee (100 paise). The document
value is kept as reported whatever it is (other charges, TCS and rounding move it, §9.6); one below taxable
value plus taxes by more than that rupee cannot be right, and the answer warns of it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from services.common.gst.money import format_rupees
from services.common.gst.sections import SECTION_BY_KEY
from services.ingest.domain.documents import Document, Item
from services.ingest.domain.problems import Problem, problem
from services.ingest.domain.rules import DIFF_PERCENT, SEZ_INVOICE_TYPES

TAX_TOLERANCE_PAISE = 100


def value_warnings(doc: Document) -> tuple[Problem, ...]:
    """docs/rules.md §9.6: a value below taxable value plus taxes (by more than the tolerance) is accepted as
    reported, with a warning. ISD documents and Bills of Entry carry no such relation."""
    section = SECTION_BY_KEY[doc.section]
    if section.is_isd or section.is_import:
        return ()
    total = doc.taxable + doc.igst + doc.cgst + doc.sgst + doc.cess
    if doc.value + TAX_TOLERANCE_PAISE >= total:
        return ()
    reason = (
        f"{format_rupees(doc.value)} is below taxable value plus taxes {format_rupees(total)}; accepted as reported"
    )
    return (problem("val", "VALUE_BELOW_TAXES", reason),)


def igst_only(inv_typ: str, supplier_state: str, pos: str) -> bool:
    """Inter-state supplies and all supplies to SEZ carry IGST only; the rest CGST + SGST."""
    return inv_typ in SEZ_INVOICE_TYPES or supplier_state != pos


def check_item_taxes(
    item: Item, prefix: str, *, inv_typ: str, supplier_state: str, pos: str, diff_percent: str | None
) -> list[Problem]:
    """Problems with one item's heads; ``prefix`` (e.g. 'itms[0].') locates the fields."""
    heads = {"iamt": item.igst, "camt": item.cgst, "samt": item.sgst, "csamt": item.cess}
    if inv_typ == "SEWOP":
        return [
            problem(
                prefix + name,
                "TAX_HEAD_MISMATCH",
                f"must be 0 for a supply to SEZ without payment (SEWOP), got {format_rupees(amount)}",
            )
            for name, amount in heads.items()
            if amount
        ]
    factor = DIFF_PERCENT if diff_percent is not None else Decimal(1)
    expected = Decimal(item.taxable) * Decimal(item.rate) / 100 * factor
    basis = f"txval {format_rupees(item.taxable)} at {item.rate}%" + (" x 65%" if diff_percent else "")
    problems: list[Problem] = []
    if igst_only(inv_typ, supplier_state, pos):
        why = (
            f"a supply to SEZ ({inv_typ})"
            if inv_typ in SEZ_INVOICE_TYPES
            else f"an inter-state supply (supplier state {supplier_state}, POS {pos})"
        )
        for name in ("camt", "samt"):
            if heads[name]:
                problems.append(problem(prefix + name, "TAX_HEAD_MISMATCH", f"must be 0 for {why}; tax goes in iamt"))
        problems.extend(_rate_check(prefix + "iamt", item.igst, expected, basis))
        return problems
    if item.igst:
        problems.append(
            problem(
                prefix + "iamt",
                "TAX_HEAD_MISMATCH",
                f"must be 0 for an intra-state supply (supplier state and POS {pos}); tax goes in camt and samt",
            )
        )
    half = expected / 2
    problems.extend(_rate_check(prefix + "camt", item.cgst, half, basis + " / 2"))
    if item.sgst != item.cgst:
        problems.append(
            problem(
                prefix + "samt",
                "TAX_HEAD_MISMATCH",
                f"must equal camt {format_rupees(item.cgst)}, got {format_rupees(item.sgst)}",
            )
        )
    else:
        problems.extend(_rate_check(prefix + "samt", item.sgst, half, basis + " / 2"))
    return problems


def _rate_check(field: str, amount: int, expected: Decimal, basis: str) -> list[Problem]:
    if abs(Decimal(amount) - expected) <= TAX_TOLERANCE_PAISE:
        return []
    shown = int(expected.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return [
        problem(
            field,
            "TAX_RATE_MISMATCH",
            f"{format_rupees(amount)} does not match {basis} (expected {format_rupees(shown)} +/- 1.00)",
        )
    ]
