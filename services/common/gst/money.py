"""Money as integer paise: exact, comparable, and free of float rounding."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from services.common.quoting import cut

MAX_INTEGER_DIGITS = 15
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)", re.ASCII)  # ASCII digits only


class InvalidAmount(ValueError):
    """An amount that cannot be held exactly in paise; the message names the field."""


def to_paise(value: object, field: str) -> int:
    """Convert a reported amount to paise, refusing anything that would lose or invent precision.

    Accepts int, Decimal and decimal text (JSON is parsed with ``parse_float=Decimal``). Floats
    are refused outright: by the time a float exists the exact amount is already lost.
    """
    if isinstance(value, bool):
        raise InvalidAmount(f"{field}: must be an amount, got a boolean")
    if isinstance(value, float):
        raise InvalidAmount(f"{field}: floats are not exact; parse amounts as Decimal (got float {value!r})")
    if isinstance(value, int):
        if 0 <= value < _LIMIT_RUPEES:
            return value * 100
        amount = Decimal(value)
    elif isinstance(value, Decimal):
        paise = _fast_paise(value)
        if paise is not None:
            return paise
        amount = value
    elif isinstance(value, str):
        if not _DECIMAL_TEXT.fullmatch(value):
            raise InvalidAmount(f"{field}: must be a decimal number, got {cut(repr(value))}")
        try:
            amount = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern already guarantees a decimal
            raise InvalidAmount(f"{field}: must be a decimal number, got {cut(repr(value))}") from None
    else:
        raise InvalidAmount(f"{field}: must be an amount, got {type(value).__name__}")
    return _decimal_to_paise(amount, field)


_LIMIT_RUPEES = 10**MAX_INTEGER_DIGITS


def _fast_paise(amount: Decimal) -> int | None:
    """The common case (finite, non-negative, at most two places, in range) without the full checks;
    None sends the amount through `_decimal_to_paise`, which explains what is wrong."""
    if not amount.is_finite() or not -MAX_INTEGER_DIGITS < amount.adjusted() < MAX_INTEGER_DIGITS:
        return None  # beyond this, scaleb would overflow (1E+999999999) or round to zero (1E-999999999)
    scaled = amount.scaleb(2)
    paise = int(scaled)
    if paise != scaled or paise < 0 or paise >= _LIMIT_RUPEES * 100:
        return None
    return paise


def _decimal_to_paise(amount: Decimal, field: str) -> int:
    if not amount.is_finite():
        raise InvalidAmount(f"{field}: must be a finite number, got {cut(str(amount))}")
    if amount < 0:
        raise InvalidAmount(f"{field}: must not be negative, got {cut(str(amount))}")
    if amount != 0 and amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise InvalidAmount(
            f"{field}: must have at most {MAX_INTEGER_DIGITS} integer digits, got {amount.adjusted() + 1}"
        )
    _, digits, exponent = amount.as_tuple()
    assert isinstance(exponent, int)  # finite, checked above
    excess_places = -exponent - 2
    if excess_places > 0 and any(digits[-excess_places:]):
        raise InvalidAmount(f"{field}: must be at most 2 decimal places, got {cut(str(amount))}")
    return int(amount.quantize(Decimal("0.01")) * 100)


def paise_to_decimal(paise: int) -> Decimal:
    """Rupees with exactly two places, e.g. 125003 -> Decimal('1250.03')."""
    return Decimal(paise).scaleb(-2)


def format_rupees(paise: int) -> str:
    """Rupees as plain text with two places, e.g. 125003 -> '1250.03'."""
    return f"{paise_to_decimal(paise):f}"
