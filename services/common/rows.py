"""Tables people send: a header row of column names, then one record a row (the registry's CSV load, the purchase
register's CSV and XLSX doors), and the rows of a request judged as a whole.

A `Table` says how its header cells name fields and the words of its refusals; `rows_of_cells` reads any sheet
of text cells with it. Rows are numbered as a spreadsheet shows them (the header is row 1); blank rows are
skipped; an empty cell is an absent field; a row of more cells than the header names is `Unreadable` (refused on
its own row, the others still read); a column `head.rest` puts its cell into the nested record `head`. Rows are
yielded one at a time, so memory does not grow with the sheet. `first_of_each` refuses a key (a GSTIN, a voucher
id) named again on a later row, since which of the two rows is right cannot be told.

Pure: the standard library and `services.common.quoting` only, so every `domain/` may use it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

from services.common.quoting import cut

Row = tuple[int, object]  # (row number as the sender counts, the row as sent, or Unreadable)
Accepted = TypeVar("Accepted")
Refused = TypeVar("Refused")


class BodyRefused(ValueError):
    """The body as a whole cannot be read as the table it should be (wrong shape, no header, no rows); the message
    names the part."""


class TooManyRows(BodyRefused):
    """More rows than one request may hold; nothing further was read."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A row that could not be read into fields (a CSV row of too many cells); `reason` says why."""

    reason: str


@dataclass(frozen=True, slots=True)
class Table:
    """One kind of table: which field a header cell names, the columns it cannot do without, and the words of its
    refusals (each caller's answers stay its own)."""

    column_of: Callable[[str], str | None]  # the field a header cell names, or None
    required: Mapping[str, str]  # field → as a refusal names its missing column
    not_a_column: str  # ends the refusal of a header cell naming no field: "is not a column of the register"
    expected: str  # ends the refusals of a header: where the columns are told ("" for nothing)
    no_header: str
    no_rows: str
    too_many: str  # with {max_rows}
    too_many_cells: str  # the hint after "N cells, the header names M"


def norm(header: str) -> str:
    """A header cell as a key: case, spaces, hyphens, dots and slashes do not matter."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def rows_of_csv(lines: Iterable[str], table: Table, max_rows: int) -> Iterator[Row]:
    """The rows of a CSV text (lines as `csv.reader` takes them), as `rows_of_cells` reads them; text that is no
    CSV refuses the body, naming the row."""
    records = csv.reader(lines)
    try:
        yield from rows_of_cells(records, table, max_rows)
    except csv.Error as exc:
        raise BodyRefused(f"body: not CSV at row {records.line_num}: {exc}") from None


def rows_of_cells(records: Iterable[list[str]], table: Table, max_rows: int) -> Iterator[Row]:
    """(row number, {field: cell}) for every row that is not blank; TooManyRows past `max_rows`, BodyRefused
    for a header naming no field of `table` or no row after it."""
    columns: list[str] | None = None
    count = 0
    for number, cells in enumerate(records, start=1):
        if not any(cell.strip() for cell in cells):
            continue
        if columns is None:
            columns = columns_of(cells, table)
            continue
        count += 1
        if count > max_rows:
            raise TooManyRows(table.too_many.format(max_rows=max_rows))
        if len(cells) > len(columns):
            yield number, Unreadable(f"{len(cells)} cells, the header names {len(columns)} ({table.too_many_cells})")
            continue
        yield number, record_of(columns, cells)
    if columns is None:
        raise BodyRefused(table.no_header)
    if count == 0:
        raise BodyRefused(table.no_rows)


def record_of(columns: list[str], cells: list[str]) -> dict[str, object]:
    """The row as the JSON door takes it: cells trimmed, empty ones absent, `head.rest` columns nested."""
    row: dict[str, object] = {}
    for column, cell in zip(columns, cells, strict=False):
        if not cell.strip():
            continue
        head, _, rest = column.partition(".")
        if rest:
            nested = row.setdefault(head, {})
            assert isinstance(nested, dict)
            nested[rest] = cell.strip()
        else:
            row[column] = cell.strip()
    return row


def columns_of(cells: list[str], table: Table) -> list[str]:
    """The field of every header cell, in order; a cell naming none, a field named twice or a required column
    missing refuses the body."""
    columns: list[str] = []
    for position, cell in enumerate(cells, start=1):
        column = table.column_of(cell)
        if column is None:
            raise BodyRefused(f"header: column {position} {cut(cell.strip())!r} {table.not_a_column}{table.expected}")
        if column in columns:
            raise BodyRefused(f"header: column {position} {cut(cell.strip())!r} names {column} again")
        columns.append(column)
    missing = [shown for field, shown in table.required.items() if field not in columns]
    if missing:
        raise BodyRefused(f"header: no {' and no '.join(missing)} column{table.expected}")
    return columns


def first_of_each(
    rows: Iterable[Row],
    check: Callable[[int, object], Accepted | Refused],
    accepted: type[Accepted],
    key: Callable[[Accepted], str],
    repeated: Callable[[int, Accepted, int], Refused],
) -> tuple[list[Accepted], list[Refused]]:
    """Every row checked on its own (`check`); of the rows accepted, the first of each `key` kept and every later
    one refused by `repeated(row, found, first row)`. A refused row never stops the others; order is kept."""
    kept: list[Accepted] = []
    refused: list[Refused] = []
    first_row: dict[str, int] = {}
    for number, raw in rows:
        found = check(number, raw)
        if not isinstance(found, accepted):
            refused.append(found)  # type: ignore[arg-type]  # not Accepted, so Refused
        elif key(found) in first_row:
            refused.append(repeated(number, found, first_row[key(found)]))
        else:
            first_row[key(found)] = number
            kept.append(found)
    return kept, refused
