"""Document numbers are unique per supplier per financial year, case-insensitive (IMS-RULES §9).

A number first used for one recipient belongs to that document; the same number reported later for a
different recipient is refused. Re-posting the document to the same recipient (a new version, or the
same one filed) is not a duplicate. A saved draft deleted ("flag": "D") gives its number back, so a
draft addressed to the wrong customer can be deleted and reported to the right one; a number a filed
return reported is never given back (a filed document cannot be deleted). Claims are written in the
filing's database transaction, which commits only after the broker acknowledged its events, so a failed
filing claims nothing; a concurrent filing of the same number waits on the row lock and sees the claim.

A claim is one key, `supplier|fy|series|NUMBER`, compared as bytes (migration 0017). A batch of claims
travels as two array parameters and is written by one statement, which also answers for every number it
inserted (or marked filed); only numbers it found claimed already are looked up, by a second statement
that sees what concurrent filings committed meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

from services.ingest.domain.documents import Document
from services.ingest.domain.sections import section


def series(doc: Document) -> str:
    kind = section(doc.section)
    base = "B" if kind.is_import else ("N" if kind.is_note else "I")
    return base + ("A" if kind.is_amendment else "")


ClaimRow = tuple[int, str, int, str, str, str]  # index, supplier, FY, number series, NUMBER, recipient

_CLAIMS = (
    'SELECT n, key COLLATE "C" AS key, recipient FROM unnest(CAST(:keys AS text[]), CAST(:recipients AS text[])) '
    "WITH ORDINALITY AS c (key, recipient, n)"
)
_CLAIM = (
    f"WITH claims AS ({_CLAIMS}), inserted AS (INSERT INTO document_numbers (key, supplier, recipient, filed) "
    "SELECT DISTINCT ON (key) key, split_part(key, '|', 1), recipient, :filed FROM claims ORDER BY key, n "
    "ON CONFLICT (key) {on_conflict} RETURNING key, recipient) "
    "SELECT coalesce(array_agg(c.n) FILTER (WHERE i.recipient IS NOT NULL), '{{}}'), "
    "coalesce(array_agg(c.n) FILTER (WHERE i.recipient IS NULL), '{{}}') "
    "FROM claims c LEFT JOIN inserted i USING (key) WHERE i.recipient IS DISTINCT FROM c.recipient"
)  # the numbers of rows refused, and of rows whose number was claimed before
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
        conn.execute(text(_RELEASE), _arrays([key(row) for row in rows], rows))


def claim(conn: Connection, rows: Sequence[ClaimRow], filed: bool) -> set[int]:
    """Claim every number; return the indexes of documents whose number belongs to another recipient.

    Within `rows` the first row of a number (in the given order) claims it. A number claimed before, by
    another transaction too, is looked up after the insert waited for that transaction, so a number a
    concurrent filing claimed for another recipient is refused here."""
    if not rows:
        return set()
    keys = [key(row) for row in rows]
    statement = text(_CLAIM.format(on_conflict=_MARK_FILED if filed else "DO NOTHING"))
    refused, earlier = conn.execute(statement, {**_arrays(keys, rows), "filed": filed}).one()
    found = {rows[n - 1][0] for n in refused}
    if earlier:  # claimed before this statement: looked up again, seeing what committed while it waited
        before = [rows[n - 1] for n in earlier]
        (taken,) = conn.execute(text(_TAKEN), _arrays([keys[n - 1] for n in earlier], before)).one()
        found.update(before[n - 1][0] for n in taken)
    return found


def _arrays(keys: list[str], rows: Sequence[ClaimRow]) -> dict[str, str]:
    return {"keys": _array(keys), "recipients": _array([row[5] for row in rows])}


def _array(values: list[str]) -> str:
    """A text[] literal: parsed by PostgreSQL in one pass, unlike a parameter list of one value each."""
    joined = "".join(values)
    if '"' in joined or "\\" in joined:
        values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    return '{"' + '","'.join(values) + '"}'
