"""PostgreSQL adapter of the IMS read model: load documents by key, write them back set-based."""

from __future__ import annotations

import json
import operator
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, text

from services.actions.domain.model import ImsDocument
from services.common.copy import copy_rows
from services.common.events import SupplierNotifiedV1

COLUMNS = tuple(f.name for f in fields(ImsDocument))
_as_row = operator.attrgetter(*COLUMNS)
_DATES = frozenset({"doc_date", "orig_date", "filed_on", "pending_deadline"})
Key = tuple[str, str]


_DATE_INDEXES = tuple(i for i, c in enumerate(COLUMNS) if c in _DATES)


def _from_row(row: Sequence[Any]) -> ImsDocument:
    values = list(row)
    for i in _DATE_INDEXES:  # positional: a bulk action reads 100,000 rows through here
        if isinstance(values[i], date):
            values[i] = values[i].isoformat()
    return ImsDocument(*values)


def load(conn: Connection, keys: Iterable[Key]) -> dict[Key, ImsDocument]:
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    rows = conn.execute(
        text(
            f"SELECT {', '.join('d.' + c for c in COLUMNS)} FROM ims_documents d "
            "JOIN unnest(CAST(:r AS text[]), CAST(:k AS text[])) AS u(r, k) ON d.recipient = u.r AND d.doc_key = u.k"
        ),
        {"r": [r for r, _ in wanted], "k": [k for _, k in wanted]},
    )
    return {(doc.recipient, doc.doc_key): doc for doc in map(_from_row, rows)}


def recipients_holding(conn: Connection, recipients: Iterable[str]) -> set[str]:
    """The recipients that hold any document: a replay's first filing for a recipient needs no lookup of its
    keys (an index probe per recipient instead of one per key)."""
    rows = conn.execute(
        text(
            "SELECT r FROM unnest(CAST(:r AS text[])) AS u(r) "
            "WHERE EXISTS (SELECT 1 FROM ims_documents d WHERE d.recipient = u.r)"
        ),
        {"r": sorted(set(recipients))},
    )
    return set(rows.scalars())


def save(
    conn: Connection, documents: Sequence[ImsDocument], removed: Sequence[Key], new: Sequence[ImsDocument] = ()
) -> None:
    """Write documents back: `removed` keys deleted, `documents` merged over what the table holds, and `new`
    ones (the table does not hold their keys) COPYed straight into it, skipping the staging table and the
    merge; a key of `new` the table does hold fails the transaction."""
    if new:
        copy_rows(conn, "ims_documents", COLUMNS, list(map(_as_row, new)))
    if removed:
        conn.execute(
            text(
                "DELETE FROM ims_documents d USING unnest(CAST(:r AS text[]), CAST(:k AS text[])) AS u(r, k) "
                "WHERE d.recipient = u.r AND d.doc_key = u.k"
            ),
            {"r": [r for r, _ in removed], "k": [k for _, k in removed]},
        )
    if not documents:
        return
    conn.execute(text("CREATE TEMP TABLE IF NOT EXISTS ims_stage (LIKE ims_documents) ON COMMIT DELETE ROWS"))
    copy_rows(conn, "ims_stage", COLUMNS, map(_as_row, documents))
    updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS if c not in ("recipient", "doc_key"))
    conn.execute(
        text(
            f"INSERT INTO ims_documents ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} FROM ims_stage "
            f"ON CONFLICT (recipient, doc_key) DO UPDATE SET {updates}"
        )
    )
    conn.execute(text("TRUNCATE ims_stage"))


def adjust_counts(conn: Connection, deltas: dict[tuple[str, str, str, str], int]) -> None:
    changed = {k: v for k, v in deltas.items() if v}
    if not changed:
        return
    keys = sorted(changed)
    conn.execute(
        text(
            "INSERT INTO ims_counts (recipient, return_period, section, action, n) "
            "SELECT * FROM unnest(CAST(:r AS text[]), CAST(:p AS text[]), CAST(:s AS text[]), CAST(:a AS text[]), "
            "CAST(:n AS bigint[])) ON CONFLICT (recipient, return_period, section, action) "
            "DO UPDATE SET n = ims_counts.n + excluded.n"
        ),
        {
            "r": [k[0] for k in keys],
            "p": [k[1] for k in keys],
            "s": [k[2] for k in keys],
            "a": [k[3] for k in keys],
            "n": [changed[k] for k in keys],
        },
    )
    drop_zero_counts(conn, sorted({k[0] for k in keys}))


def drop_zero_counts(conn: Connection, recipients: Sequence[str]) -> None:
    """A count that fell to zero leaves no row, as `recount` builds them: the table then holds the same rows
    however the log was cut into batches, so a replay rebuilds it identically."""
    conn.execute(text("DELETE FROM ims_counts WHERE recipient = ANY(:r) AND n = 0"), {"r": list(recipients)})


def recount(conn: Connection, recipient: str) -> None:
    """Rebuild one recipient's counts from its documents (after a period event touched many at once)."""
    conn.execute(text("DELETE FROM ims_counts WHERE recipient = :r"), {"r": recipient})
    conn.execute(
        text(
            "INSERT INTO ims_counts (recipient, return_period, section, action, n) "
            "SELECT recipient, return_period, section, action, count(*) FROM ims_documents "
            "WHERE recipient = :r AND route = 'ims' AND NOT frozen AND superseded_by IS NULL "
            "GROUP BY recipient, return_period, section, action"
        ),
        {"r": recipient},
    )


HISTORY_COLUMNS = (
    "recipient",
    "doc_key",
    "position",
    "event_id",
    "event_type",
    "occurred_at",
    "actor",
    "what",
    "detail",
)
REFUSAL_COLUMNS = ("reference_id", "recipient", "doc_key", "section", "error_cd", "error_msg", "position")


def append_history(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    copy_rows(conn, "ims_history", HISTORY_COLUMNS, ([*row[:-1], orjson.dumps(row[-1]).decode()] for row in rows))


def append_refusals(conn: Connection, rows: Sequence[Sequence[Any]]) -> None:
    copy_rows(conn, "ims_refusals", REFUSAL_COLUMNS, rows)


def add_outbox(conn: Connection, notifications: Sequence[SupplierNotifiedV1]) -> None:
    """Notifications to send, keyed by (cause event, supplier): a replay re-inserts nothing."""
    if not notifications:
        return
    conn.execute(
        text(
            "INSERT INTO notification_outbox (cause_event_id, supplier, recipient, record) "
            "SELECT * FROM unnest(CAST(:e AS text[]), CAST(:s AS text[]), CAST(:r AS text[]), CAST(:j AS jsonb[])) "
            "ON CONFLICT DO NOTHING"
        ),
        {
            "e": [n.cause_event_id for n in notifications],
            "s": [n.supplier for n in notifications],
            "r": [n.recipient for n in notifications],
            "j": [json.dumps(n.to_record()) for n in notifications],
        },
    )
