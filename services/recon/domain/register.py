"""A request's rows checked as a whole (docs/rules.md §10.1): each row on its own, and a voucher id named twice in
one request refused on its later rows (which of the two is right cannot be told). A refused row never stops
the others."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.recon.domain.purchases import Purchase, RowError, check_row

Row = tuple[int, object]  # (row number as the sender counts, the row as sent)


class BodyRefused(ValueError):
    """The body as a whole is no register of purchases (wrong shape, no rows); the message names the part."""


class TooManyRows(BodyRefused):
    """More rows than one request may hold; nothing further was read."""


@dataclass(frozen=True, slots=True)
class Checked:
    purchases: list[Purchase]
    errors: list[RowError]


def check_rows(rows: Iterable[Row]) -> Checked:
    purchases: list[Purchase] = []
    errors: list[RowError] = []
    first_row: dict[str, int] = {}
    for number, raw in rows:
        found = check_row(number, raw)
        if isinstance(found, RowError):
            errors.append(found)
        elif found.voucher_id in first_row:
            message = f"voucher_id: {found.voucher_id} is also in row {first_row[found.voucher_id]}"
            errors.append(RowError(number, found.voucher_id, "voucher_id", "DUPLICATE_VOUCHER", message))
        else:
            first_row[found.voucher_id] = number
            purchases.append(found)
    return Checked(purchases, errors)
