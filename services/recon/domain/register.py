"""A request's rows checked as a whole (docs/rules.md §10.1): each row on its own, and a voucher id named twice in
one request refused on its later rows (which of the two is right cannot be told). A refused row never stops
the others."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.common.rows import BodyRefused as BodyRefused
from services.common.rows import Row as Row
from services.common.rows import TooManyRows as TooManyRows
from services.common.rows import first_of_each
from services.recon.domain.purchases import Purchase, RowError, check_row


@dataclass(frozen=True, slots=True)
class Checked:
    purchases: list[Purchase]
    errors: list[RowError]


def check_rows(rows: Iterable[Row]) -> Checked:
    return Checked(*first_of_each(rows, check_row, Purchase, lambda found: found.voucher_id, _repeated))


def _repeated(number: int, found: Purchase, first: int) -> RowError:
    message = f"voucher_id: {found.voucher_id} is also in row {first}"
    return RowError(number, found.voucher_id, "voucher_id", "DUPLICATE_VOUCHER", message)
