"""Rule 37A: ITC availed on a supplier's invoices and debit notes is reversed when that supplier has not
filed GSTR-3B for the tax period by 30 September following the end of the financial year.

Our rules (docs/rules.md §2 lists the reversal, GSTN's text leaves the mechanics open):
- the reversal enters the recipient's GSTR-2B of the period holding the report date (a quarterly
  recipient's: that quarter's), or the first later one whose GSTR-3B is not yet filed;
- what is reversed is exactly what an earlier statement made available (block `itcavl`) for the
  supplier's invoices, debit notes and their amendments of those periods, not reverse charge (the
  recipient paid that tax itself), not ECO 9(5) supplies (the operator pays), not ISD or imports;
- one report per (recipient, supplier, supplier period): a repeated report changes nothing. Re-availing
  the credit once the supplier files is not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from services.common.gst.periods import Period

REVERSED_SECTIONS = ("b2b", "b2ba", "cdnr", "cdnra")  # GSTR-2B sections of the nonrevsup bucket
MAX_PERIODS = 36


def deadline(supplier_period: Period) -> date:
    """30 September following the end of the financial year (April-March) holding the period."""
    year_end = supplier_period.year + 1 if supplier_period.month >= 4 else supplier_period.year
    return date(year_end, 9, 30)


def report_problems(periods: list[Period], reported_on: date) -> list[str]:
    """Why a report cannot be taken, field by field (empty when it can)."""
    if not periods:
        return ["periods: at least one supplier tax period (MMYYYY) is required"]
    if len(periods) > MAX_PERIODS:
        return [f"periods: at most {MAX_PERIODS} periods per report, got {len(periods)}"]
    return [
        f"periods: {p.mmyyyy}: Rule 37A applies only after {deadline(p).strftime('%d-%m-%Y')} (30 September "
        f"after its financial year); reported_on {reported_on.isoformat()} is not later"
        for p in periods
        if reported_on <= deadline(p)
    ]


def statement_period(reported_on: date, quarterly: bool, filed: Iterable[Period]) -> Period:
    """The GSTR-2B period that carries the reversal (see the module docstring)."""
    closed = set(filed)
    period = Period.of(reported_on)
    period = period.quarter_end if quarterly else period
    while period in closed:
        period = period.quarter_end.next().quarter_end if quarterly else period.next()
    return period
