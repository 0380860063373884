"""Field rules for reported documents (docs/rules.md §9): each parser returns a value or a Problem.

Parsers never raise on bad input; ``None`` input means the field is absent.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection
from datetime import date
from decimal import Decimal, InvalidOperation

from services.common.gst.gstin import VALID_POS_CODES, Gstin, InvalidGstin, parse_gstin
from services.common.gst.money import InvalidAmount, to_paise
from services.common.gst.periods import GST_START, LAST_SUPPORTED_DATE, Period
from services.common.quoting import shown
from services.ingest.domain.problems import Problem, problem

RATE_40_FROM = date(2025, 9, 22)
VALID_RATES = frozenset(
    Decimal(rate) for rate in ("0", "0.1", "0.25", "1", "1.5", "3", "5", "6", "7.5", "12", "18", "28", "40")
)
DIFF_PERCENT = Decimal("0.65")
INVOICE_TYPES = ("R", "SEWP", "SEWOP", "DE", "CBW")
SEZ_INVOICE_TYPES = frozenset({"SEWP", "SEWOP"})

_DOC_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]*", re.ASCII)
DOC_NUMBER_MAX_LENGTH = 16
_DATE_TEXT = re.compile(r"\d{2}-\d{2}-\d{4}", re.ASCII)
_POS = re.compile(r"\d{2}", re.ASCII)
_PORT_CODE = re.compile(r"[A-Z0-9]{6}", re.ASCII)
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)
_BOE_NUMBER = re.compile(r"\d{1,7}", re.ASCII)


def missing(field: str, what: str = "") -> Problem:
    return problem(field, "MISSING_FIELD", f"is required{what}")


def format_date(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def parse_doc_number(raw: object, field: str) -> str | Problem:
    """Document number as reported (case kept): 1-16 chars, first alphanumeric, then [A-Za-z0-9/-]."""
    if raw is None:
        return missing(field)
    if not isinstance(raw, str):
        return problem(field, "INVALID_NUMBER", f"must be text, got {type(raw).__name__}")
    if not 1 <= len(raw) <= DOC_NUMBER_MAX_LENGTH:
        return problem(field, "INVALID_NUMBER", f"must be 1-{DOC_NUMBER_MAX_LENGTH} characters, got {len(raw)}")
    if not raw[0].isascii() or not raw[0].isalnum():
        return problem(field, "INVALID_NUMBER", f"must start with a letter or digit, got {shown(raw)}")
    if not _DOC_NUMBER.fullmatch(raw):
        return problem(field, "INVALID_NUMBER", f"may contain only letters, digits, '-' and '/', got {shown(raw)}")
    return raw


def parse_date(raw: object, field: str, not_after: Period | None = None) -> date | Problem:
    """A DD-MM-YYYY calendar date from 01-07-2017, and not after ``not_after``'s last day."""
    if raw is None:
        return missing(field)
    if not isinstance(raw, str):
        return problem(field, "INVALID_DATE", f"must be DD-MM-YYYY, got {shown(raw)}")
    return _parse_date_text(raw, field, not_after)


@functools.lru_cache(maxsize=100_000)
def _parse_date_text(raw: str, field: str, not_after: Period | None) -> date | Problem:
    """Dates repeat across a return's rows; both answers (a date or a Problem) are immutable."""
    if not _DATE_TEXT.fullmatch(raw):
        return problem(field, "INVALID_DATE", f"must be DD-MM-YYYY, got {shown(raw)}")
    try:
        day = date(int(raw[6:10]), int(raw[3:5]), int(raw[0:2]))
    except ValueError:
        return problem(field, "INVALID_DATE", f"{raw} is not a calendar date")
    if day < GST_START:
        return problem(field, "DATE_OUT_OF_RANGE", f"{raw} is before 01-07-2017 (start of GST)")
    if not_after is not None and day > not_after.last_day:
        return problem(
            field,
            "DATE_OUT_OF_RANGE",
            f"{raw} is after the last day of return period {not_after.mmyyyy}",
        )
    if day > LAST_SUPPORTED_DATE:
        return problem(field, "DATE_OUT_OF_RANGE", f"{raw} is after 31-12-2099")
    return day


def parse_pos(raw: object, field: str = "pos") -> str | Problem:
    """Place of supply: a two-digit state code valid as POS (01-38, 96, 97)."""
    if raw is None:
        return missing(field)
    if not isinstance(raw, str) or not _POS.fullmatch(raw):
        return problem(field, "INVALID_POS", f"must be a two-digit state code, got {shown(raw)}")
    if raw not in VALID_POS_CODES:
        return problem(field, "INVALID_POS", f"{raw} is not a valid place-of-supply state code")
    return raw


def parse_rate(raw: object, field: str, doc_date: date | None) -> Decimal | Problem:
    """A GST rate in percent; 40% only for documents dated from 22-09-2025."""
    if raw is None:
        return missing(field)
    rate = _as_decimal(raw)
    if rate is None:
        return problem(field, "INVALID_RATE", f"must be a number (not a float), got {shown(raw)}")
    if rate not in VALID_RATES:
        return problem(field, "INVALID_RATE", f"{raw} is not a GST rate")
    if rate == 40 and doc_date is not None and doc_date < RATE_40_FROM:
        return problem(
            field,
            "INVALID_RATE",
            f"40% applies only from 22-09-2025, document dated {format_date(doc_date)}",
        )
    return rate


def canonical_rate(rate: Decimal) -> str:
    """Rate text without trailing zeros: 18, 0.25, 7.5."""
    return f"{rate.normalize():f}"


def parse_amount(raw: object, field: str, *, required: bool = True) -> int | Problem:
    """Amount in paise; an absent optional amount is 0."""
    if raw is None:
        return missing(field) if required else 0
    try:
        return to_paise(raw, field)
    except InvalidAmount as exc:
        return Problem(field, "INVALID_AMOUNT", str(exc))


def parse_choice(raw: object, field: str, allowed: Collection[str], default: str | None = None) -> str | Problem:
    """One of ``allowed``; absent gives ``default``, or MISSING_FIELD when there is none."""
    if raw is None:
        return missing(field) if default is None else default
    if not isinstance(raw, str) or raw not in allowed:
        return problem(field, "INVALID_FIELD", f"must be one of {', '.join(allowed)}, got {shown(raw)}")
    return raw


def parse_gstin_field(raw: object, field: str) -> Gstin | Problem:
    if raw is None:
        return missing(field)
    try:
        return parse_gstin(raw)
    except InvalidGstin as exc:
        return problem(field, "INVALID_GSTIN", str(exc))


def parse_diff_percent(raw: object, field: str = "diff_percent") -> str | Problem | None:
    """The differential-rate factor: absent/null, or exactly 0.65 (returned as '0.65')."""
    if raw is None:
        return None
    if _as_decimal(raw) != DIFF_PERCENT:
        return problem(field, "INVALID_DIFF_PERCENT", f"must be 0.65 or absent, got {shown(raw)}")
    return str(DIFF_PERCENT)


def parse_port_code(raw: object, field: str = "port_code") -> str | Problem:
    if raw is None:
        return missing(field)
    if not isinstance(raw, str) or not _PORT_CODE.fullmatch(raw):
        return problem(field, "INVALID_PORT_CODE", f"must be 6 letters or digits, got {shown(raw)}")
    return raw


def parse_boe_number(raw: object, field: str) -> str | Problem:
    """Bill of Entry number: 1-7 digits (an integer in the payload is accepted as its digits)."""
    if raw is None:
        return missing(field)
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(text, str) or not _BOE_NUMBER.fullmatch(text):
        return problem(field, "INVALID_NUMBER", f"must be 1-7 digits, got {shown(raw)}")
    return text


def _as_decimal(raw: object) -> Decimal | None:
    """Exact decimal from int, Decimal or decimal text; None for floats, booleans and junk."""
    if isinstance(raw, bool | float):
        return None
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, str):
        if not _DECIMAL_TEXT.fullmatch(raw):  # Decimal() would also take "1_8", " 18 " and other scripts' digits
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
            return None
    else:
        return None
    return value if value.is_finite() else None
