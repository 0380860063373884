"""The part of filing that needs the whole request, in row order: a number repeated within the request, a
number already claimed for another recipient (claims are written in the filing's transaction), the error
report, and the spill of the accepted documents."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import NamedTuple

from sqlalchemy import Connection

from services.ingest import numbers
from services.ingest.checking import Checked
from services.ingest.domain.gstr1 import Locator, ReturnRejected, repeated_number
from services.ingest.domain.problems import Problem, problem
from services.ingest.spill import Spill

MAX_ERRORS = 100_000
"""A request with more documents in error than this is refused whole, nothing filed: its error report would
grow with the body (a hostile return of 512 MiB of `{}` rows is 170 million of them) while no real return is
that wrong; the answer says so before the API's memory or time goes on it."""


class Settle:
    """What needs the whole request: numbers repeated within it, numbers claimed in the database (a
    number already used for another recipient), the error report, and the spill of accepted documents."""

    def __init__(self, spill: Spill, filed: bool):
        self.spill = spill
        self.filed = filed  # claims of a filed return are never released
        self.report: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.warnings: dict[str, list[dict[str, str]]] = defaultdict(list)  # beside the report, accepted rows
        self.accepted = 0
        self.errors = 0
        self._seen: set[str] = set()

    def prepare(self, batch: list[tuple[int, Checked]]) -> Prepared:
        """The part without the database, in request order: numbers repeated within the request, and the
        claims to write. It runs in the producer's thread while `apply` writes the previous batch."""
        seen = self._seen
        released: list[numbers.ClaimRow] = []
        claimed: list[numbers.ClaimRow] = []
        for index, (group, row) in enumerate(batch):  # one pass: this runs for every row of a large return
            if row.problems:
                continue
            series = row.series
            if series:
                if series in seen:
                    batch[index] = (group, _refused(row, _repeated(row)))
                    continue
                seen.add(series)
            if row.claim is not None:
                (released if row.deleted else claimed).append((index, *row.claim, row.recipient))
        return Prepared(batch, released, claimed)

    def apply(self, conn: Connection, prepared: Prepared) -> None:
        """The claims in the filing's transaction, in request order; then the error report and the spill."""
        numbers.release(conn, prepared.released)  # first: a request may delete a draft and report its number again
        clashes = numbers.claim(conn, prepared.claimed, self.filed)
        add = self.spill.add
        accepted = 0
        for index, (group, row) in enumerate(prepared.batch):
            if row.problems or index in clashes:
                if not row.problems:
                    row = _refused(row, _taken(row))
                self.errors += 1
                if self.errors > MAX_ERRORS:
                    raise ReturnRejected(
                        f"the request has more than {MAX_ERRORS} documents in error; nothing was filed "
                        "(correct them and send it again)"
                    )
                self.report[row.table].append(error_row(row.locator, row.problems))
                continue
            accepted += 1
            add(group, row.recipient, row.rank, row.item)
            if row.warnings:
                self.warnings[row.table].append(warning_row(row.locator, row.warnings))
        self.accepted += accepted


class Prepared(NamedTuple):
    batch: list[tuple[int, Checked]]
    released: list[numbers.ClaimRow]
    claimed: list[numbers.ClaimRow]


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


def warning_row(locator: Locator, warnings: tuple[Problem, ...]) -> dict[str, str]:
    return {
        locator.party_field: locator.party,
        locator.number_field: locator.number,
        "warn_cd": warnings[0].code,
        "warn_msg": "; ".join(w.message for w in warnings),
    }


def error_row(locator: Locator, problems: tuple[Problem, ...]) -> dict[str, str]:
    return {
        locator.party_field: locator.party,
        locator.number_field: locator.number,
        "error_cd": problems[0].code,
        "error_msg": "; ".join(p.message for p in problems),
    }
