"""Request log: every answered filing or action by reference id, and the Idempotency-Key it came with.

A client that retries with the same Idempotency-Key gets the stored answer and causes no second effect.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Engine, text


def find_by_idempotency_key(engine: Engine, key: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(text("SELECT response FROM request_log WHERE idempotency_key = :k"), {"k": key}).first()
    return dict(row[0]) if row else None


def find(engine: Engine, reference_id: str, subject: str | None = None) -> dict[str, Any] | None:
    query = "SELECT response FROM request_log WHERE reference_id = :r"
    params = {"r": reference_id}
    if subject is not None:
        query += " AND subject = :s"
        params["s"] = subject
    with engine.connect() as conn:
        row = conn.execute(text(query), params).first()
    return dict(row[0]) if row else None


def record(
    engine: Engine, reference_id: str, kind: str, subject: str, response: dict[str, Any], key: str | None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO request_log (reference_id, idempotency_key, kind, subject, response) "
                "VALUES (:r, :k, :kind, :s, CAST(:resp AS jsonb)) ON CONFLICT DO NOTHING"
            ),
            {"r": reference_id, "k": key, "kind": kind, "s": subject, "resp": json.dumps(response)},
        )
