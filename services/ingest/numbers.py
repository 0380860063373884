"""Document numbers are unique per supplier per financial year, case-insensitive (IMS-RULES §9).

A number first used for one recipient belongs to that document; the same number reported later for a
different recipient is refused. Re-posting the document to the same recipient (a new version, or the
same one filed) is not a duplicate. Claims are written in the filing's database transaction, which
commits only after the broker acknowledged its events, so a failed filing claims nothing; a concurrent
filing of the same number waits on the row lock and then sees the claim.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from services.common.copy import copy_rows
from services.ingest.domain.documents import Document
from services.ingest.domain.sections import section

_COLUMNS = ("idx", "supplier", "fy", "series", "number", "recipient")


def series(doc: Document) -> str:
    kind = section(doc.section)
    base = "B" if kind.is_import else ("N" if kind.is_note else "I")
    return base + ("A" if kind.is_amendment else "")


ClaimRow = tuple[int, str, int, str, str, str]  # index, supplier, FY, number series, NUMBER, recipient


def claim(conn: Connection, rows: Sequence[ClaimRow]) -> set[int]:
    """Claim every number; return the indexes of documents whose number belongs to another recipient."""
    if not rows:
        return set()
    conn.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS number_claims (idx int, supplier text, fy int, series text, "
            "number text, recipient text) ON COMMIT DELETE ROWS"
        )
    )
    copy_rows(conn, "number_claims", _COLUMNS, rows)
    conn.execute(
        text(
            "INSERT INTO document_numbers (supplier, fy, series, number, recipient) "
            "SELECT DISTINCT ON (supplier, fy, series, number) supplier, fy, series, number, recipient "
            "FROM number_claims ORDER BY supplier, fy, series, number, idx ON CONFLICT DO NOTHING"
        )
    )
    clashes = conn.execute(
        text(
            "SELECT c.idx FROM number_claims c JOIN document_numbers d USING (supplier, fy, series, number) "
            "WHERE d.recipient <> c.recipient"
        )
    )
    found = {int(idx) for (idx,) in clashes}
    conn.execute(text("TRUNCATE number_claims"))
    return found
