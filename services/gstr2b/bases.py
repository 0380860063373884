"""What an amendment counts against in GSTR-2B: the latest earlier link of its chain that a filed GSTR-3B
took (docs/rules.md §5; services/actions/domain/chains.py).

Judged when a statement is generated, not when the amendment arrives: a link a generated GSTR-2B held is
frozen by its GSTR-3B (as that GSTR-2B counted it) even when a later link superseded it in between, and
then its ITC was taken. "Took" means frozen and not rejected (accepted, or deemed accepted from No
Action); a rejected link is skipped, so the difference is from what still stands; with no such link the
amendment counts in full. Only open amendments are looked at (a frozen one's lines are final), through
the (recipient, original_key) index, so a statement without amendments pays one empty index scan.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

_REFRESH = """
UPDATE ims_documents a SET base_key = b.doc_key
FROM ims_documents x
LEFT JOIN LATERAL (
    SELECT o.doc_key FROM ims_documents o
    WHERE o.recipient = x.recipient AND (o.doc_key = x.original_key OR o.original_key = x.original_key)
      AND coalesce(o.link_no, 0) < x.link_no AND o.frozen AND o.action <> 'R'
    ORDER BY o.link_no DESC NULLS LAST, o.doc_key DESC
    LIMIT 1
) b ON true
WHERE x.recipient = :r AND x.original_key IS NOT NULL AND NOT x.frozen
  AND a.recipient = x.recipient AND a.doc_key = x.doc_key AND a.base_key IS DISTINCT FROM b.doc_key
"""


def refresh(conn: Connection, recipient: str) -> None:
    conn.execute(text(_REFRESH), {"r": recipient})
