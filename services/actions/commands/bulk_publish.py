"""Bulk plans an older version left behind: a keyed bulk action whose publishing failed part-way.

Older versions published a bulk action chunk by chunk, each its own Kafka transaction, and kept a keyed
request's encoded chunks (`bulk_plans`) until its answer was recorded, so a retry could republish exactly
those chunks. Requests now append all their chunks to the event log in the transaction that records the
answer (services/actions/commands/handlers.py), so nothing new is stored here; a retry of such an old request
appends its stored chunks to the log (the projector skips the chunks it already applied, by reference id
and chunk number) and records the stored answer, all in one transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from services.archive import eventlog
from services.common.envelope import Envelope
from services.common.events import ActionsTakenV1


def resume(conn: Connection, topic: str, recipient: str, reference: str) -> dict[str, Any] | None:
    """The stored answer of an unfinished old bulk action, its chunks appended to the log; else None."""
    row = conn.execute(
        text("SELECT actor, answer, payloads FROM bulk_plans WHERE reference_id = :r FOR UPDATE"), {"r": reference}
    ).first()
    if row is None:
        return None
    actor, answer, payloads = row
    eventlog.append(
        conn,
        (
            eventlog.Entry(
                topic, recipient, Envelope.of(ActionsTakenV1, correlation_id=reference, actor=actor), bytes(p)
            )
            for p in payloads
        ),
    )
    forget(conn, reference)
    return dict(answer)


def forget(conn: Connection, reference: str) -> None:
    conn.execute(text("DELETE FROM bulk_plans WHERE reference_id = :r"), {"r": reference})
