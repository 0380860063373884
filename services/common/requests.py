"""Request log: every answered filing or action by reference id, and the Idempotency-Key it came with.

A client that retries with the same Idempotency-Key gets the stored answer and causes no second effect,
even when the retry arrives while the first call is still running: callers with the same key are
serialised on a PostgreSQL advisory lock held for the whole call.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Engine, text


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


def find(engine: Engine, reference_id: str, subject: str | None = None) -> dict[str, Any] | None:
    query = "SELECT response FROM request_log WHERE reference_id = :r"
    params = {"r": reference_id}
    if subject is not None:
        query += " AND subject = :s"
        params["s"] = subject
    with engine.connect() as conn:
        row = conn.execute(text(query), params).first()
    return dict(row[0]) if row and row[0] is not None else None


def record(
    target: Engine | Connection,
    reference_id: str,
    kind: str,
    subject: str,
    response: dict[str, Any],
    key: str | None,
) -> None:
    statement = text(
        "INSERT INTO request_log (reference_id, idempotency_key, kind, subject, response) "
        "VALUES (:r, :k, :kind, :s, CAST(:resp AS jsonb))"
    )
    params = {"r": reference_id, "k": key, "kind": kind, "s": subject, "resp": json.dumps(response)}
    if isinstance(target, Connection):
        target.execute(statement, params)
        return
    with target.begin() as conn:
        conn.execute(statement, params)
