"""When a GSTR-2B is generated (docs/rules.md §4): on the 14th after the period (after the quarter for
quarterly recipients), and only once the previous generated period's GSTR-3B is filed."""

from __future__ import annotations

from collections.abc import Iterable

from services.common.gst.periods import Period, gstr2b_generation_date


def statement_period(period: Period, quarterly: bool) -> Period:
    """The period whose statement takes a document of `period`: the quarter's last month if quarterly."""
    return period.quarter_end if quarterly else period


def due_periods(
    document_periods: Iterable[Period],
    generated: set[Period],
    gstr3b_filed: set[Period],
    today: str,
    quarterly: bool,
) -> list[Period]:
    """Statements to generate now, oldest first; stops at the first one waiting for a GSTR-3B."""
    candidates = sorted({statement_period(p, quarterly) for p in document_periods} - generated)
    due: list[Period] = []
    for period in candidates:
        if gstr2b_generation_date(period, quarterly).isoformat() > today:
            break
        earlier = [g for g in generated | set(due) if g < period]
        if earlier and max(earlier) not in gstr3b_filed:
            break
        due.append(period)
    return due
