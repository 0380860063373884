"""Document numbers are unique per supplier per financial year, case-insensitive (docs/rules.md §9).

A number first used for one recipient belongs to that document; the same number reported later for a
different recipient is refused. Re-posting the document to the same recipient (a new version, or the
same one filed) is not a duplicate. A saved draft deleted ("flag": "D") gives its number back, so a
draft addressed to the wrong customer can be deleted and reported to the right one; a number a filed
return reported is never given back (a filed document cannot be deleted). Claims are written in the
filing's database transaction, which commits only after the broker acknowledged its events, so a failed
filing claims nothing; a concurrent filing of the same number waits on the row lock and sees the claim.

A claim is one key, `supplier|fy|series|NUMBER`, compared as bytes (migration 0017). A batch of claims
travels as two array parameters and is written by one statement; when it wrote one row per claim (the
usual case: new numbers, or a draft's numbers filed) nothing can clash and nothing more is asked. Only
otherwise are the batch's numbers looked up, by a second statement that sees what concurrent filings
committed meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from services.common.gst.sections import section
from services.ingest.domain.documents import Document


def series(doc: Document) -> str:
    return series_of(doc.section)


def series_of(section_key: str) -> str:
    """The number series of a section: invoices, notes or bills of entry, originals or amendments."""
    kind = section(section_key)
    base = "B" if kind.is_import else ("N" if kind.is_note else "I")
    return base + ("A" if kind.is_amendment else "")


ClaimRow = tuple[int, str, int, str, str, str]  # index, supplier, FY, number series, NUMBER, recipient

_CLAIMS = (
    'SELECT n, key COLLATE "C" AS key, recipient FROM unnest(CAST(:keys AS text[]), CAST(:recipients AS text[])) '
    "WITH ORDINALITY AS c (key, recipient, n)"
)
_CLAIM = (
    f"WITH written AS (INSERT INTO document_numbers (key, supplier, recipient, filed) "
    f"SELECT DISTINCT ON (key) key, split_part(key, '|', 1), recipient, :filed FROM ({_CLAIMS}) c ORDER BY key, n "
    "ON CONFLICT (key) {on_conflict} RETURNING 1) SELECT count(*) FROM written"
)
_MARK_FILED = (
    "DO UPDATE SET filed = true WHERE document_numbers.recipient = excluded.recipient AND NOT document_numbers.filed"
)
_TAKEN = (
    f"SELECT coalesce(array_agg(c.n), '{{}}') FROM ({_CLAIMS}) c JOIN document_numbers d ON d.key = c.key "
    'AND d.key = ANY(CAST(:keys AS text[]) COLLATE "C") WHERE d.recipient <> c.recipient'
)
_RELEASE = (
    f"DELETE FROM document_numbers d USING ({_CLAIMS}) c WHERE d.key = c.key "
    'AND d.key = ANY(CAST(:keys AS text[]) COLLATE "C") AND d.recipient = c.recipient AND NOT d.filed'
)


def key(row: ClaimRow) -> str:
    """Unambiguous: a GSTIN, a year and a series hold no "|"; only the number, the last part, might."""
    return f"{row[1]}|{row[2]}|{row[3]}|{row[4]}"


def release(conn: Connection, rows: Sequence[ClaimRow]) -> None:
    """Give back the numbers of deleted drafts that no filed return claimed for the same recipient."""
    if rows:
        conn.execute(text(_RELEASE), _arrays(rows))


def claim(conn: Connection, rows: Sequence[ClaimRow], filed: bool) -> set[int]:
    """Claim every number; return the indexes of documents whose number belongs to another recipient.

    Within `rows` the first row of a number (in the given order) claims it. Numbers are looked up only if
    the insert did not write one row per row given (a number repeated, or claimed before); the lookup is
    a statement of its own, so it sees a claim a concurrent filing committed while the insert waited."""
    if not rows:
        return set()
    arrays = _arrays(rows)
    statement = text(_CLAIM.format(on_conflict=_MARK_FILED if filed else "DO NOTHING"))
    if conn.execute(statement, {**arrays, "filed": filed}).scalar_one() == len(rows):
        return set()  # each row wrote its own number: inserted, or marked filed for the same recipient
    (taken,) = conn.execute(text(_TAKEN), arrays).one()
    return {rows[n - 1][0] for n in taken}


def _arrays(rows: Sequence[ClaimRow]) -> dict[str, str]:
    return {"keys": _array([key(row) for row in rows]), "recipients": _array([row[5] for row in rows])}


def _array(values: list[str]) -> str:
    """A text[] literal: parsed by PostgreSQL in one pass, unlike a parameter list of one value each."""
    joined = "".join(values)
    if '"' in joined or "\\" in joined:
        values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    return '{"' + '","'.join(values) + '"}'
