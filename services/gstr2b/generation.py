"""GSTR-2B generation steps of the IMS projector: at the cut-off, after a GSTR-3B, and on recompute."""

from __future__ import annotations

from sqlalchemy import Connection, text

from services.common.events import Event, Gstr2bRecomputeRequestedV1
from services.common.gst.periods import Period, gstr2b_generation_date
from services.common.runner import Delivered
from services.gstr2b import builder
from services.gstr2b.domain.schedule import due_periods


def is_quarterly(conn: Connection, recipient: str) -> bool:
    value = conn.execute(text("SELECT quarterly FROM ims_recipients WHERE recipient = :r"), {"r": recipient}).scalar()
    return bool(value)


def _periods(conn: Connection, sql: str, recipient: str) -> set[Period]:
    return {Period.parse(p) for (p,) in conn.execute(text(sql), {"r": recipient})}


def generate_due(conn: Connection, recipient: str, today: str, message: Delivered[Event]) -> list[int]:
    if not today:
        return []
    quarterly = is_quarterly(conn, recipient)
    documents = _periods(
        conn,
        # NOT IN over the recipient's taken keys runs that subquery once, hashed, whatever the statistics
        # say (a replay's fresh tables have none, and NOT EXISTS was planned as a nested loop that re-ran the
        # view over gstr2b_lines per document: seconds per clock event)
        "SELECT DISTINCT gstr2b_period FROM ims_documents d WHERE recipient = :r "
        "AND filing_status = 'filed' AND gstr2b_period IS NOT NULL AND doc_key NOT IN "
        "(SELECT i.doc_key FROM ims_itc_periods i WHERE i.recipient = :r AND i.doc_key IS NOT NULL)",
        recipient,
    )
    generated = _periods(conn, "SELECT DISTINCT period FROM gstr2b_versions WHERE recipient = :r", recipient)
    filed = _periods(conn, "SELECT period FROM ims_periods WHERE recipient = :r", recipient)
    documents |= following_periods(generated, today, quarterly)
    versions = []
    for period in due_periods(documents, generated, filed, today, quarterly):
        versions.append(builder.generate(conn, recipient, period, today, "cutoff", message.envelope.event_id))
    return versions


def following_periods(generated: set[Period], today: str, quarterly: bool, limit: int = 36) -> set[Period]:
    """Once a recipient has statements, one is due every period even without new documents: pending
    documents accepted later are carried into it."""
    if not generated:
        return set()
    found: set[Period] = set()
    period = max(generated)
    for _ in range(limit):
        period = period.quarter_end.next().quarter_end if quarterly else period.next()
        if gstr2b_generation_date(period, quarterly).isoformat() > today:
            break
        found.add(period)
    return found


def recompute_refusal(conn: Connection, recipient: str, period: str) -> tuple[str, str] | None:
    """Why a recompute cannot run, or None: it needs a generated version and an unfiled GSTR-3B."""
    params = {"r": recipient, "p": period}
    if conn.execute(text("SELECT 1 FROM ims_periods WHERE recipient = :r AND period = :p"), params).first():
        return ("GSTR3B_FILED", f"rtnprd: GSTR-3B for {period} is filed; GSTR-2B can no longer be recomputed")
    if not conn.execute(text("SELECT 1 FROM gstr2b_versions WHERE recipient = :r AND period = :p"), params).first():
        return ("NOT_GENERATED", f"rtnprd: GSTR-2B for {period} is not generated yet (before its cut-off)")
    return None


def recompute(conn: Connection, message: Delivered[Gstr2bRecomputeRequestedV1], today: str) -> int | None:
    event = message.event
    if recompute_refusal(conn, event.recipient, event.period) is not None:
        return None
    gendt = today or message.envelope.occurred_at[:10]
    return builder.generate(
        conn,
        event.recipient,
        Period.parse(event.period),
        gendt,
        "recompute",
        message.envelope.event_id,
    )
