"""What `GET /v1/ims/{gstin}/recon` shows of a reconciliation: the outcomes a filter selects, and their summary
per category and per supplier (docs/rules.md §10.4). Pure; amounts in paise.

A difference is books minus supplier, signed: a pair's on each head, a document only in IMS its whole value
negated, a voucher only in the books its whole value. "Actioned" counts the IMS documents whose current action
is other than No Action.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from services.common.gst.periods import Period
from services.recon.domain.documents import Amounts
from services.recon.domain.reconcile import Outcome
from services.recon.domain.suggest import CATEGORIES

_ZERO = Amounts(0, 0, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Filter:
    period: Period | None = None  # a row with any of its dates in the period
    supplier: str | None = None  # either side's GSTIN
    category: str | None = None
    section: str | None = None  # the IMS document's


def selected(outcomes: Iterable[Outcome], chosen: Filter) -> list[Outcome]:
    return [o for o in outcomes if _holds(o, chosen)]


def _holds(o: Outcome, chosen: Filter) -> bool:
    if chosen.category is not None and o.category != chosen.category:
        return False
    if chosen.section is not None and (o.ims is None or o.ims.section != chosen.section):
        return False
    if chosen.supplier is not None and chosen.supplier not in _suppliers(o):
        return False
    if chosen.period is None:
        return True
    first, last = chosen.period.first_day, chosen.period.last_day
    return any(first <= day <= last for day in _dates(o))


def _suppliers(o: Outcome) -> set[str]:
    return {d.ctin for d in (o.book, o.ims) if d is not None and d.ctin}


def _dates(o: Outcome) -> list[date]:
    days = [o.ims.dt] if o.ims is not None else []
    return days + ([o.book.dt, o.book.posting_date] if o.book is not None else [])


def difference(o: Outcome) -> tuple[int, int]:
    """(taxable, tax) books minus supplier."""
    books = o.book.amounts if o.book is not None else _ZERO
    supplier = o.ims.amounts if o.ims is not None else _ZERO
    return books.txval - supplier.txval, books.tax - supplier.tax


def summary(outcomes: Sequence[Outcome]) -> dict[str, object]:
    """Counts and differences per category (every category, zeros included) and per supplier (by GSTIN, the
    IMS document's where there is one), with the share of its IMS documents actioned."""
    categories = {c: {"count": 0, "taxable_difference": 0, "tax_difference": 0} for c in CATEGORIES}
    suppliers: dict[str, dict[str, int]] = {}
    counts: dict[str, dict[str, int]] = {}
    for o in outcomes:
        taxable, tax = difference(o)
        row = categories[o.category]
        row["count"] += 1
        row["taxable_difference"] += taxable
        row["tax_difference"] += tax
        ctin = o.ims.ctin if o.ims is not None else o.book.ctin if o.book is not None else ""
        mine = suppliers.setdefault(ctin, dict.fromkeys(("taxable_difference", "tax_difference", "ims", "actioned"), 0))
        mine["taxable_difference"] += taxable
        mine["tax_difference"] += tax
        mine["ims"] += o.ims is not None
        mine["actioned"] += o.ims is not None and o.ims.action != "N"
        counts.setdefault(ctin, dict.fromkeys(CATEGORIES, 0))[o.category] += 1
    by_supplier = [
        {
            "ctin": ctin,
            "counts": counts[ctin],
            **totals,
            "actioned_percent": _percent(totals["actioned"], totals["ims"]),
        }
        for ctin, totals in sorted(suppliers.items())
    ]
    return {"by_category": categories, "by_supplier": by_supplier}


def _percent(part: int, whole: int) -> str:
    """A share with two decimals, exactly (no float): 1 of 3 is "33.33"."""
    if whole == 0:
        return "0.00"
    hundredths = part * 10_000 // whole
    return f"{hundredths // 100}.{hundredths % 100:02d}"
