"""A load of taxpayer names as CSV: a header naming the columns, then one taxpayer a row.

The header may spell a column as people do ("GSTIN", "Legal Name", "Trade Name", "legal-name", "GSTIN/UIN",
"Legal Name of Business"), in any case and order; `trade_name` may be left out (every trade name empty then).
Rows are numbered as a spreadsheet shows them: the header is row 1. Blank rows are skipped; a row with more
cells than the header names is refused; missing trailing cells are empty. A UTF-8 byte-order mark (what
spreadsheets write) is dropped. A line longer than `MAX_LINE` characters refuses the load before any row is
read: a row is a GSTIN and two names, and the reader would build a cell for every comma of such a line.
"""

from __future__ import annotations

import csv
import io
import re

from services.common.quoting import cut
from services.registry.domain.taxpayers import FIELDS, BodyRefused, Row, TooManyRows, Unreadable

ALIASES = {
    "gstin": "gstin",
    "gstin_uin": "gstin",
    "legal_name": "legal_name",
    "legal_name_of_business": "legal_name",
    "trade_name": "trade_name",
}
EXPECTED = "expected the header gstin,legal_name,trade_name (trade_name may be left out)"
MAX_LINE = 2048
_LONG_LINE = re.compile(f"^[^\r\n]{{{MAX_LINE + 1}}}", re.MULTILINE)  # `^`: each line is scanned once


def column_of(header: str) -> str | None:
    """The field a header cell names, or None: case, spaces, hyphens and slashes do not matter."""
    return ALIASES.get(re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_"))


def rows_of_csv(text: str, max_rows: int) -> list[Row]:
    """(row number, {field: cell}) for every row that is not blank."""
    long = _LONG_LINE.search(text)
    if long is not None:
        line = text.count("\n", 0, long.start()) + 1
        raise BodyRefused(f"body: line {line} is longer than {MAX_LINE} characters; a row is a GSTIN and two names")
    records = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[Row] = []
    columns: list[str] | None = None
    try:
        for number, cells in enumerate(records, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _columns(cells)
                continue
            if len(cells) > len(columns):
                reason = f"{len(cells)} cells, the header names {len(columns)} (quote a name holding a comma)"
                rows.append((number, Unreadable(reason)))
            else:
                rows.append((number, dict(zip(columns, cells, strict=False))))
            if len(rows) > max_rows:
                raise TooManyRows(f"taxpayers: more than {max_rows} rows; one load holds at most {max_rows}")
    except csv.Error as exc:
        raise BodyRefused(f"body: not CSV at row {records.line_num}: {exc}") from None
    if columns is None:
        raise BodyRefused(f"body: no header; {EXPECTED}")
    if not rows:
        raise BodyRefused("taxpayers: no rows to load after the header")
    return rows


def _columns(cells: list[str]) -> list[str]:
    columns: list[str] = []
    for position, cell in enumerate(cells, start=1):
        column = column_of(cell)
        if column is None:
            raise BodyRefused(f"header: column {position} {cut(cell.strip())!r} is not a column of a load; {EXPECTED}")
        if column in columns:
            raise BodyRefused(f"header: column {position} {cut(cell.strip())!r} names {column} again")
        columns.append(column)
    missing = [f for f in FIELDS[:2] if f not in columns]
    if missing:
        raise BodyRefused(f"header: no {' and no '.join(missing)} column; {EXPECTED}")
    return columns
