"""Request log: every answered filing or action by reference id, the Idempotency-Key it came with, and
the token that made it.

A client that retries with the same Idempotency-Key gets the stored answer and causes no second effect,
even when the retry arrives while the first call is still running: callers with the same key are
serialised on a PostgreSQL advisory lock held for the whole call.

Who may read a request's status (REQSTS) is decided here, once (`may_read`): the role that makes that kind
of request for the subject GSTIN, the token that made a Bill of Entry, and admin. The maker's token id
reaches `record` through `REQUESTER`, which the API's authentication sets for the duration of each request
(handlers need not carry it); requests made from the command line record none.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from services.common.tokens import Principal

REQUESTER: ContextVar[str | None] = ContextVar("requester_token_id", default=None)
# The role that makes each kind of request for its subject GSTIN, and so may read its status.
READER_ROLE = {
    "filing": "filer",
    "actions": "recipient",
    "recompute": "recipient",
    "rule37a": "admin",
    "purchases": "recipient",  # the recipient's own books (services/recon): booked or cancelled vouchers
    "recon": "recipient",  # its reconciliation policy and manual links (services/recon/policy_links.py)
}


@dataclass(frozen=True, slots=True)
class Logged:
    reference_id: str
    kind: str  # filing, boe, actions, recompute, rule37a, purchases, recon
    subject: str  # the GSTIN the request was made for ("customs" for Bills of Entry)
    token_id: str | None  # the token that made it (None: made from the command line, or logged before 0019)
    response: dict[str, Any]


def may_read(logged: Logged, who: Principal, gstin: str) -> bool:
    """A request's status is read under its own GSTIN by the role that makes such requests for it (a filing
    by a filer token, a SAVE / RESET / bulk action or a recompute by a recipient token), and by admin. A Bill
    of Entry may name several importers, so only the token that made it reads it (under any GSTIN it holds),
    besides admin: an importer's recipient token would otherwise see the other importers' rows."""
    if who.role == "admin":
        return logged.kind == "boe" or logged.subject == gstin
    if logged.kind == "boe":
        return logged.token_id is not None and logged.token_id == who.token_id
    return logged.subject == gstin and READER_ROLE.get(logged.kind) == who.role


def find_by_idempotency_key(engine: Engine, key: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT response FROM request_log WHERE idempotency_key = :k"), {"k": key}).first()
    return dict(row[0]) if row and row[0] is not None else None


@contextlib.contextmanager
def idempotent(engine: Engine, key: str | None) -> Iterator[dict[str, Any] | None]:
    """Yields the earlier answer for this key (the caller returns it), or None (the caller does the work)."""
    if not key:
        yield None
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(hashtextextended(:k, 7))"), {"k": key})
        conn.commit()
        try:
            yield find_by_idempotency_key(engine, key)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 7))"), {"k": key})
            conn.commit()


def reqsts(reference_id: str, processed: int, report: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """GSTN's request-status answer: P all processed, PE processed with errors, ER nothing processed."""
    errors = sum(len(rows) for rows in report.values())
    return {
        "reference_id": reference_id,
        "status_cd": "P" if errors == 0 else ("ER" if processed == 0 else "PE"),
        "proc_cnt": processed,
        "err_cnt": errors,
        "error_report": dict(report),
    }


def find(engine: Engine, reference_id: str) -> Logged | None:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT kind, subject, token_id, response FROM request_log WHERE reference_id = :r"),
            {"r": reference_id},
        ).first()
    if row is None or row[3] is None:
        return None
    return Logged(reference_id, row[0], row[1], row[2], dict(row[3]))


def record(
    target: Engine | Connection,
    reference_id: str,
    kind: str,
    subject: str,
    response: dict[str, Any],
    key: str | None,
) -> None:
    statement = text(
        "INSERT INTO request_log (reference_id, idempotency_key, kind, subject, response, token_id) "
        "VALUES (:r, :k, :kind, :s, CAST(:resp AS jsonb), :t)"
    )
    params = {
        "r": reference_id,
        "k": key,
        "kind": kind,
        "s": subject,
        "resp": json.dumps(response),
        "t": REQUESTER.get(),
    }
    if isinstance(target, Connection):
        target.execute(statement, params)
        return
    with target.begin() as conn:
        conn.execute(statement, params)
