"""Per-document history and request status, read from the projector's tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from services.common import requests
from services.common.gst.sections import SECTION_BY_KEY

# Every history row in its full form. Rows of set-based action chunks store only what differs per document
# (`what`, `prev`, `remarks`) and share the rest through `ims_history_events` (migration 0016); this builds
# their other columns, and `detail` as the item-by-item path stores it (jsonb, so key order is the same).
ROWS = (
    "SELECT h.recipient, h.doc_key, h.position, h.event_id, coalesce(h.event_type, e.event_type) AS event_type, "
    "coalesce(h.occurred_at, e.occurred_at) AS occurred_at, coalesce(h.actor, e.actor) AS actor, h.what, "
    "coalesce(h.detail, jsonb_build_object('reference_id', e.reference_id, 'remarks', h.remarks, 'prev', h.prev)) "
    "AS detail FROM ims_history h LEFT JOIN ims_history_events e ON h.detail IS NULL AND e.event_id = h.event_id"
)


def of(engine: Engine, recipient: str, doc_key: str) -> dict[str, Any]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT event_type, event_id, occurred_at, actor, what, detail FROM ({ROWS}) AS h "
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


def request_status(engine: Engine, logged: requests.Logged) -> dict[str, Any]:
    """The stored REQSTS answer with the projector's later refusals folded in.

    Every refusal recorded under the request's reference id is part of its answer, whichever recipient's
    stream it came from (who may read it at all is `requests.may_read`).
    """
    answer = logged.response
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT r.section, r.doc_key, r.error_cd, r.error_msg, d.supplier, d.number, d.return_period "
                "FROM ims_refusals r LEFT JOIN ims_documents d ON d.recipient = r.recipient AND d.doc_key = r.doc_key "
                "WHERE r.reference_id = :r ORDER BY r.position"
            ),
            {"r": logged.reference_id},
        ).all()
    if not rows:
        return answer
    report = {k: list(v) for k, v in answer["error_report"].items()}
    for section, doc_key, code, message, supplier, number, period in rows:
        row = {"doc_id": doc_key, "error_cd": code, "error_msg": message}
        if supplier is not None:
            row |= {"stin": supplier, SECTION_BY_KEY[section].number_key: number, "rtnprd": period}
        report.setdefault(section, []).append(row)
    status = requests.reqsts(logged.reference_id, max(0, answer["proc_cnt"] - len(rows)), report)
    return answer | status  # keys of ours beside GSTN's (`defaulted`, `upload`) stay as answered
