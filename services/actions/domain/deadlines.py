"""Which deadlines are approaching on the recipient's clock day (docs/rules.md §4.6, our rule).

Three kinds, each a deadline the rules elsewhere define (this module restates none of them):
- `pending_window`: a Pending-blocked document's one-period window closes (`pending.deadline`, §3.7);
- `limit_16_4`: a Pending invoice or debit note reaches its section 16(4) limit (`periods.section_16_4_deadline`,
  §3.8);
- `deemed_acceptance`: a document still at No Action is counted as accepted by the GSTR-2B of its period,
  generated on `periods.gstr2b_generation_date` (§3.1, §4.2).

A deadline is approaching from HORIZON_DAYS before it up to its own day. The projector announces each
(document, kind, deadline) once, at the first clock event that finds it approaching.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from services.common.gst.periods import InvalidPeriod, Period, gstr2b_generation_date

HORIZON_DAYS = 3
"""How many days before a deadline it is announced as approaching (the clock day itself counts as day 0)."""

PENDING_WINDOW = "pending_window"
LIMIT_16_4 = "limit_16_4"
DEEMED_ACCEPTANCE = "deemed_acceptance"
KINDS = (PENDING_WINDOW, LIMIT_16_4, DEEMED_ACCEPTANCE)

_GENERATION_LAG_MONTHS = 3  # a period's GSTR-2B is generated at most this many months after it (a quarter)


def horizon_end(today: date) -> date:
    """The last deadline day approaching on `today`."""
    return today + timedelta(days=HORIZON_DAYS)


def approaching(deadline: date, today: date) -> bool:
    """Whether `deadline` (its last allowed day, or the day it happens) lies within the horizon of `today`."""
    return today <= deadline <= horizon_end(today)


def deemed_acceptance_dates(today: date, quarterly: bool) -> dict[str, date]:
    """GSTR-2B periods (MMYYYY) whose generation, which deems their No Action documents accepted, is approaching
    on `today`, each with its generation day. A quarterly recipient's months of one quarter share one day."""
    found: dict[str, date] = {}
    try:
        period, last = _months_back(Period.of(today), _GENERATION_LAG_MONTHS), Period.of(horizon_end(today))
        while True:
            generated = gstr2b_generation_date(period, quarterly)
            if approaching(generated, today):
                found[period.mmyyyy] = generated
            if period == last:
                return found
            period = period.next()
    except InvalidPeriod:  # past the last supported year: no GSTR-2B is generated there
        return found


def generation_dates(periods: Iterable[str], quarterly: bool) -> dict[str, date]:
    """The day each GSTR-2B period (MMYYYY) is generated, deeming its No Action documents accepted, whether or
    not it is near: the dashboard's due-soon list. A quarterly recipient's months share the quarter's day; a
    period that is not one is left out."""
    found = {}
    for mmyyyy in periods:
        try:
            found[mmyyyy] = gstr2b_generation_date(Period.parse(mmyyyy), quarterly)
        except InvalidPeriod:
            continue
    return found


def _months_back(period: Period, months: int) -> Period:
    for _ in range(months):
        period = period.previous()
    return period
