"""A load of taxpayer names as CSV: a header naming the columns, then one taxpayer a row.

The header may spell a column as people do ("GSTIN", "Legal Name", "Trade Name", "legal-name", "GSTIN/UIN",
"Legal Name of Business"), in any case and order; `trade_name` may be left out (every trade name empty then).
Rows are numbered as a spreadsheet shows them: the header is row 1. Blank rows are skipped; a row with more
cells than the header names is refused; missing trailing cells are empty. A UTF-8 byte-order mark (what
spreadsheets write) is dropped. A line longer than `MAX_LINE` characters refuses the load before any row is
read: a row is a GSTIN and two names, and the reader would build a cell for every comma of such a line.
"""

from __future__ import annotations

import io
import re

from services.common import rows
from services.common.rows import BodyRefused, Row, Table, norm
from services.registry.domain.taxpayers import FIELDS

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
    return ALIASES.get(norm(header))


LOAD = Table(
    column_of=column_of,
    required={field: field for field in FIELDS[:2]},
    not_a_column="is not a column of a load",
    expected=f"; {EXPECTED}",
    no_header=f"body: no header; {EXPECTED}",
    no_rows="taxpayers: no rows to load after the header",
    too_many="taxpayers: more than {max_rows} rows; one load holds at most {max_rows}",
    too_many_cells="quote a name holding a comma",
)


def rows_of_csv(text: str, max_rows: int) -> list[Row]:
    """(row number, {field: cell}) for every row that is not blank."""
    long = _LONG_LINE.search(text)
    if long is not None:
        line = text.count("\n", 0, long.start()) + 1
        raise BodyRefused(f"body: line {line} is longer than {MAX_LINE} characters; a row is a GSTIN and two names")
    return list(rows.rows_of_csv(io.StringIO(text.removeprefix("\ufeff"), newline=""), LOAD, max_rows))
