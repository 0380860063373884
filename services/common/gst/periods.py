"""Tax periods and the GST calendar: which GSTR-2B a filing lands in, and the deadlines around it."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

from services.common.quoting import shown

MONTHLY_FORMS = frozenset({"R1", "R1A"})
QUARTERLY_FORMS = frozenset({"IFF", "R5", "R6"})
BOE_FORM = "BOE"
GST_START = date(2017, 7, 1)  # the first day of GST; no document is dated before it
LAST_SUPPORTED_DATE = date(2099, 12, 31)  # our rule: later dates are refused as typos
INDIA = timezone(timedelta(hours=5, minutes=30), "IST")  # GST days, cut-offs and due dates are Indian days

# ASCII digits only, here and in every period or date the API reads: `\d` and int() also take other
# scripts' digits ("١٠٢٠٢٥", "１０２０２５"), which would then name a period no other code path spells that way.
_MMYYYY = re.compile(r"([0-9]{2})([0-9]{4})")
_DD_MM_YYYY = re.compile(r"([0-9]{2})-([0-9]{2})-([0-9]{4})")
_MONTHLY_CUTOFF_DAY = 12  # filed from the 12th of M to the 11th of M+1 -> GSTR-2B of M
_QUARTERLY_CUTOFF_DAY = 14  # filed from the 14th of M to the 13th of M+1 -> GSTR-2B of M
_GSTR2B_GENERATION_DAY = 14
_GSTR3B_MONTHLY_DUE_DAY = 20
_GSTR3B_QUARTERLY_DUE_DAY = 22  # our rule: GSTN has 22nd or 24th by state group
FINANCIAL_YEAR_FIRST_MONTH = 4  # April to March
SECTION_16_4_MONTH_DAY = (11, 30)  # 30 November after the document's financial year


class InvalidPeriod(ValueError):
    """Not a tax period this system handles."""


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A monthly tax period; ordering is chronological."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise InvalidPeriod(f"month must be 1..12, got {self.month}")
        if not 2017 <= self.year <= 2099:
            raise InvalidPeriod(f"year must be 2017..2099, got {self.year}")

    @classmethod
    def parse(cls, mmyyyy: str) -> Period:
        """Parse the GSTN return-period text, e.g. '102025' -> Period(2025, 10)."""
        match = _MMYYYY.fullmatch(mmyyyy) if isinstance(mmyyyy, str) else None
        if match is None:
            raise InvalidPeriod(f"return period must be MMYYYY, got {shown(mmyyyy)}")
        try:
            return cls(int(match.group(2)), int(match.group(1)))
        except InvalidPeriod as exc:
            raise InvalidPeriod(f"return period {mmyyyy} (MMYYYY): {exc}") from None

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    @property
    def mmyyyy(self) -> str:
        return f"{self.month:02d}{self.year:04d}"

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)

    def previous(self) -> Period:
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def financial_year(self) -> int:
        """The starting calendar year of the April-March financial year."""
        return self.year if self.month >= FINANCIAL_YEAR_FIRST_MONTH else self.year - 1

    @property
    def fy_label(self) -> str:
        return _fy_label(self.financial_year)

    @property
    def quarter_end(self) -> Period:
        """Last month of this period's quarter (Apr-Jun, Jul-Sep, Oct-Dec, Jan-Mar)."""
        return Period(self.year, (self.month - 1) // 3 * 3 + 3)

    def __str__(self) -> str:
        return self.mmyyyy


def parse_gstn_date(text: object) -> date:
    """GSTN's DD-MM-YYYY (`idt`, `nt_dt`, `refdt`...), ASCII digits only; ValueError says what is wrong."""
    match = _DD_MM_YYYY.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"must be DD-MM-YYYY, got {shown(text)}")
    try:
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ValueError(f"{text} is not a calendar date") from None


IMS_POLICY_START = Period(2025, 10)
"""From this GSTR-2B period: one-period pending window, remarks, ITC-reduction declaration."""


def financial_year_of(day: date) -> int:
    """Starting year of the financial year containing ``day`` (Apr 2025..Mar 2026 -> 2025)."""
    return day.year if day.month >= FINANCIAL_YEAR_FIRST_MONTH else day.year - 1


def fy_label_of(day: date) -> str:
    return _fy_label(financial_year_of(day))


def _fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def gstr2b_period(source_form: str, filed_on: date, quarterly_filer: bool = False) -> Period:
    """The GSTR-2B period a supplier's filing lands in.

    Monthly GSTR-1/1A filed from the 12th of M to the 11th of M+1 belong to M; quarterly forms
    (IFF, GSTR-5, GSTR-6) and the GSTR-1 of a quarterly (QRMP) filer use the 14th/13th. Our rule: a
    Bill of Entry follows the monthly rule, applied to its reference date.
    """
    if quarterly_filer and source_form == "R1":
        cutoff = _QUARTERLY_CUTOFF_DAY
    elif source_form in MONTHLY_FORMS or source_form == BOE_FORM:
        cutoff = _MONTHLY_CUTOFF_DAY
    elif source_form in QUARTERLY_FORMS:
        cutoff = _QUARTERLY_CUTOFF_DAY
    else:
        raise ValueError(f"unknown source form {source_form!r}")
    period = Period.of(filed_on)
    return period if filed_on.day >= cutoff else period.previous()


def section_16_4_deadline(doc_date: date) -> date:
    """Last day ITC may be taken on a document: 30 November after its financial year ends. The one
    definition: the C fast path and the projector's SQL restate it and are tested against it."""
    month, day = SECTION_16_4_MONTH_DAY
    return date(financial_year_of(doc_date) + 1, month, day)


def gstr3b_due_date(period: Period, quarterly: bool) -> date:
    """GSTR-3B due date: 20th of the next month; quarterly, our rule: 22nd after the quarter."""
    if quarterly:
        return period.quarter_end.next().first_day.replace(day=_GSTR3B_QUARTERLY_DUE_DAY)
    return period.next().first_day.replace(day=_GSTR3B_MONTHLY_DUE_DAY)


def gstr2b_generation_date(period: Period, quarterly: bool) -> date:
    """Draft GSTR-2B generation: the 14th of the month after the period (or after its quarter)."""
    last = period.quarter_end if quarterly else period
    return last.next().first_day.replace(day=_GSTR2B_GENERATION_DAY)


def gst_today(now: datetime | None = None) -> date:
    """The calendar day in India at `now` (default: this instant). Only the scheduler asks: projections
    receive time as ClockAdvanced events."""
    return (now or datetime.now(UTC)).astimezone(INDIA).date()


def dmy(iso: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD) in GSTN's DD-MM-YYYY; None stays None."""
    if not iso:
        return None
    year, month, day = iso.split("-")
    return f"{day}-{month}-{year}"
