"""Per-document history and request status, read from the projector's tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from services.common import requests


def of(engine: Engine, recipient: str, doc_key: str) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT event_type, event_id, occurred_at, actor, what, detail FROM ims_history "
                "WHERE recipient = :r AND doc_key = :k ORDER BY position"
            ),
            {"r": recipient, "k": doc_key},
        ).all()
    return {
        "rtin": recipient,
        "doc_id": doc_key,
        "events": [
            {"event_type": t, "event_id": e, "occurred_at": o, "actor": a, "what": w, "detail": d}
            for t, e, o, a, w, d in rows
        ],
    }


def request_status(engine: Engine, recipient: str, reference_id: str) -> dict[str, Any] | None:
    """The stored REQSTS answer with the projector's later refusals folded in.

    The request belongs to `subject` (the filer of a return, the recipient of an action); every refusal
    recorded under its reference id is part of its answer, whichever recipient's stream it came from.
    """
    answer = requests.find(engine, reference_id, recipient)
    if answer is None:
        return None
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT section, doc_key, error_cd, error_msg FROM ims_refusals WHERE reference_id = :r "
                "ORDER BY position"
            ),
            {"r": reference_id},
        ).all()
    if not rows:
        return answer
    report = {k: list(v) for k, v in answer["error_report"].items()}
    for section, doc_key, code, message in rows:
        report.setdefault(section, []).append({"doc_id": doc_key, "error_cd": code, "error_msg": message})
    return requests.reqsts(reference_id, max(0, answer["proc_cnt"] - len(rows)), report)
