"""The purchase register as an XLSX workbook: its first sheet read as the CSV door reads its rows (the template's
human headers, `Tag: NAME` columns), one row at a time in bounded memory.

Before openpyxl opens it (read-only: it streams the sheet), the ZIP directory is checked: the members may unpack to
at most `MAX_UNPACKED` bytes in all and a part read whole (shared strings, styles) to at most `MAX_PART`, so a
small body cannot unpack into gigabytes. Cells become the text a person sees: dates DD-MM-YYYY, whole numbers
without decimals, other numbers with the two places of an amount when they are paise within float noise (a
formula's 180.00000000000003), else as Python writes them (and the amount rule refuses them, naming the field).
Formulas give the value Excel last computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import IO, Any

from services.api.workbooks import WorkbookRefused, open_workbook
from services.recon.domain.csvrows import rows_of_cells
from services.recon.domain.register import BodyRefused, Row, TooManyRows

MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNPACKED = 512 << 20  # 100,000 rows of 16 columns unpack to about 150 MiB
MAX_PART = 64 << 20
MAX_MEMBERS = 1000


def rows_of_xlsx(source: IO[bytes], max_rows: int) -> Iterator[Row]:
    try:
        book = open_workbook(
            source, max_unpacked=MAX_UNPACKED, max_part=MAX_PART, max_members=MAX_MEMBERS, data_only=True
        )
    except WorkbookRefused as exc:
        raise BodyRefused(str(exc)) from None
    try:
        if not book.worksheets:
            raise BodyRefused("body: the workbook has no sheet")
        sheet = book.worksheets[0]
        try:
            cells = ([_text(value) for value in row] for row in sheet.iter_rows(values_only=True))
            yield from rows_of_cells(cells, max_rows)
        except (BodyRefused, TooManyRows):
            raise
        except Exception as exc:
            raise BodyRefused(f"body: sheet {sheet.title[:40]!r} is not readable ({type(exc).__name__})") from None
    finally:
        book.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value:%d-%m-%Y}"
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        paise = round(value * 100)
        return f"{paise / 100:.2f}" if abs(value * 100 - paise) < 1e-6 else repr(value)
    return str(value)
