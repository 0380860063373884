"""Document numbers are unique per supplier per financial year, case-insensitive (IMS-RULES §9).

A number first used for one recipient belongs to that document; the same number reported later for a
different recipient is refused. Re-posting the document to the same recipient (a new version, or the
same one filed) is not a duplicate. A saved draft deleted ("flag": "D") gives its number back, so a
draft addressed to the wrong customer can be deleted and reported to the right one; a number a filed
return reported is never given back (a filed document cannot be deleted). Claims are written in the
filing's database transaction, which commits only after the broker acknowledged its events, so a failed
filing claims nothing; a concurrent filing of the same number waits on the row lock and sees the claim.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from services.common.copy import copy_rows
from services.ingest.domain.documents import Document
from services.ingest.domain.sections import section

_COLUMNS = ("idx", "supplier", "fy", "series", "number", "recipient")


def series(doc: Document) -> str:
    return series_of(doc.section)


def series_of(section_key: str) -> str:
    """The number series of a section: invoices, notes or bills of entry, originals or amendments."""
    kind = section(section_key)
    base = "B" if kind.is_import else ("N" if kind.is_note else "I")
    return base + ("A" if kind.is_amendment else "")


ClaimRow = tuple[int, str, int, str, str, str]  # index, supplier, FY, number series, NUMBER, recipient


def _stage(conn: Connection, rows: Sequence[ClaimRow]) -> None:
    conn.execute(
        text(
            "CREATE TEMP TABLE IF NOT EXISTS number_claims (idx int, supplier text, fy int, series text, "
            "number text, recipient text) ON COMMIT DELETE ROWS"
        )
    )
    copy_rows(conn, "number_claims", _COLUMNS, rows)


def release(conn: Connection, rows: Sequence[ClaimRow]) -> None:
    """Give back the numbers of deleted drafts that no filed return claimed for the same recipient."""
    if not rows:
        return
    _stage(conn, rows)
    conn.execute(
        text(
            "DELETE FROM document_numbers d USING number_claims c WHERE (d.supplier, d.fy, d.series, d.number) "
            "= (c.supplier, c.fy, c.series, c.number) AND d.recipient = c.recipient AND NOT d.filed"
        )
    )
    conn.execute(text("TRUNCATE number_claims"))


def claim(conn: Connection, rows: Sequence[ClaimRow], filed: bool) -> set[int]:
    """Claim every number; return the indexes of documents whose number belongs to another recipient."""
    if not rows:
        return set()
    _stage(conn, rows)
    on_conflict = (
        "DO UPDATE SET filed = true "
        "WHERE document_numbers.recipient = excluded.recipient AND NOT document_numbers.filed"
        if filed
        else "DO NOTHING"
    )
    conn.execute(
        text(
            "INSERT INTO document_numbers (supplier, fy, series, number, recipient, filed) "
            "SELECT DISTINCT ON (supplier, fy, series, number) supplier, fy, series, number, recipient, :filed "
            f"FROM number_claims ORDER BY supplier, fy, series, number, idx ON CONFLICT (supplier, fy, series, number) "
            f"{on_conflict}"
        ),
        {"filed": filed},
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
