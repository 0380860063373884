"""The part of filing that needs the whole request, in row order: a number repeated within the request, a
number already claimed for another recipient (claims are written in the filing's transaction), the error
report, and the spill of the accepted documents."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import Connection

from services.ingest import numbers
from services.ingest.checking import Checked
from services.ingest.domain.gstr1 import Locator, repeated_number
from services.ingest.domain.problems import Problem, problem
from services.ingest.spill import Spill


class Settle:
    """What needs the whole request: numbers repeated within it, numbers claimed in the database (a
    number already used for another recipient), the error report, and the spill of accepted documents."""

    def __init__(self, spill: Spill, filed: bool):
        self.spill = spill
        self.filed = filed  # claims of a filed return are never released
        self.report: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.accepted = 0
        self._seen: set[str] = set()

    def __call__(self, conn: Connection, batch: list[tuple[int, Checked]]) -> None:
        for index, (group, row) in enumerate(batch):
            if row.series and not row.problems:
                if row.series in self._seen:
                    batch[index] = (group, _refused(row, _repeated(row)))
                else:
                    self._seen.add(row.series)
        released: list[numbers.ClaimRow] = []
        claimed: list[numbers.ClaimRow] = []
        for i, (_, row) in enumerate(batch):
            if not row.problems and row.claim is not None:
                (released if row.deleted else claimed).append((i, *row.claim, row.recipient))
        numbers.release(conn, released)  # first: a request may delete a draft and report its number again
        clashes = numbers.claim(conn, claimed, self.filed)
        for index, (group, row) in enumerate(batch):
            if index in clashes:
                row = _refused(row, _taken(row))
            if row.problems:
                self.report[row.table].append(error_row(row.locator, row.problems))
                continue
            self.accepted += 1
            self.spill.add(group, row.recipient, row.rank, row.item)


def _refused(row: Checked, reason: Problem) -> Checked:
    return row._replace(problems=(reason,), item=b"")


def _repeated(row: Checked) -> Problem:
    return repeated_number(row.section, row.number, row.supplier, date.fromisoformat(row.doc_date), row.number_field)


def _taken(row: Checked) -> Problem:
    message = (
        f"{row.number} is already used by supplier {row.supplier} for a document to another recipient in "
        "this financial year (numbers are case-insensitive)"
    )
    return problem(row.number_field, "DUPLICATE_NUMBER", message)


def error_row(locator: Locator, problems: tuple[Problem, ...]) -> dict[str, str]:
    return {
        locator.party_field: locator.party,
        locator.number_field: locator.number,
        "error_cd": problems[0].code,
        "error_msg": "; ".join(p.message for p in problems),
    }
