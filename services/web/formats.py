"""How the pages write amounts, dates and periods: as an Indian accountant reads them.

Pure functions (no I/O), unit-tested in tests/unit/test_web_formats.py. Amounts arrive as integer paise
and never pass through float.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from services.common.gst.periods import INDIA

RUPEE = "₹"


def indian_digits(whole: int) -> str:
    """A non-negative integer in Indian grouping: the last three digits, then pairs (1,23,45,678)."""
    digits = str(whole)
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    return ",".join([head, *pairs, tail])


def rupees(paise: int | None, symbol: bool = True) -> str:
    """Paise as rupees in Indian grouping with two places: 1234567800 -> '₹1,23,45,678.00'; None -> ''.
    A negative amount keeps its sign before the symbol (-₹1,000.00)."""
    if paise is None:
        return ""
    whole, fraction = divmod(abs(paise), 100)
    sign = "-" if paise < 0 else ""
    return f"{sign}{RUPEE if symbol else ''}{indian_digits(whole)}.{fraction:02d}"


def count(n: int) -> str:
    """A count in Indian grouping (12,34,567)."""
    return ("-" if n < 0 else "") + indian_digits(abs(n))


def day(iso: str | None) -> str:
    """An ISO date (YYYY-MM-DD, or the start of an ISO timestamp) as DD-MM-YYYY; None or '' -> ''."""
    if not iso:
        return ""
    year, month, rest = iso[:10].split("-")
    return f"{rest}-{month}-{year}"


def moment(iso: str | None) -> str:
    """An ISO timestamp as the time in India, DD-MM-YYYY HH:MM IST (GST days are Indian days); a timestamp
    without a zone is shown as written."""
    if not iso:
        return ""
    try:
        instant = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if instant.tzinfo is None:
        return instant.strftime("%d-%m-%Y %H:%M")
    return instant.astimezone(INDIA).strftime("%d-%m-%Y %H:%M IST")


def period(mmyyyy: str | None) -> str:
    """A return period MMYYYY as the portal's picker shows it: '102025' -> 'October 2025'."""
    if not mmyyyy or len(mmyyyy) != 6 or not mmyyyy.isdigit() or not 1 <= int(mmyyyy[:2]) <= 12:
        return mmyyyy or ""
    return f"{calendar.month_name[int(mmyyyy[:2])]} {mmyyyy[2:]}"


def period_order(mmyyyy: str) -> str:
    """A sort key putting periods in calendar order (MMYYYY sorts by month first)."""
    return mmyyyy[2:] + mmyyyy[:2]
