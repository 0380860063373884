"""Deadline notices: `deadline_outbox` rows → `DeadlineApproaching` events on `ims.deadlines.v1`.

The IMS projector writes the rows in the transaction that applies the clock event announcing them
(services/actions/projector/deadlines.py), so restarts and redeliveries add nothing. Like the supplier
notifications (relay.py), unsent rows become events of the durable log and are marked sent in one
transaction, in the order the projector wrote them, so each is logged exactly once and the relay publishes
them in that order, keyed by recipient. The event id is derived from (clock event, kind, deadline, chunk).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import structlog
from sqlalchemy import text

from services.archive import eventlog
from services.common.envelope import Envelope
from services.common.events import DeadlineApproachingV1, DeadlineDocument
from services.common.ports import Ports
from services.common.settings import DEADLINES_TOPIC

log = structlog.get_logger()
NAMESPACE = uuid.UUID("0b7d3c52-9a4e-4f0e-8d0c-5e2a7c41d9b3")
HEAD = ("cause_event_id", "recipient", "kind", "deadline", "clock_date", "chunk", "chunks", "total")
ARRAYS = ("doc_keys", "sections", "numbers", "ctins", "doc_dates", "return_periods")
CAUSE = ("cause_topic", "cause_partition", "cause_offset")  # where the clock event was read: for a replay's carry


def relay_once(container: Ports, limit: int = 200) -> int:
    """Move up to `limit` unsent rows (each up to 1,000 documents) into the event log and mark them sent."""
    topic = container.settings.topic(DEADLINES_TOPIC)
    with container.engine.begin() as conn:
        rows = conn.execute(
            text(
                f"SELECT seq, {', '.join((*HEAD, *ARRAYS))} FROM deadline_outbox WHERE NOT sent "
                "ORDER BY seq LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"n": limit},
        ).all()
        if not rows:
            return 0
        events = [notice(*row[1:]) for row in rows]
        eventlog.append_events(
            conn,
            container.codec,
            topic,
            (
                (
                    event.recipient,
                    Envelope.of(
                        DeadlineApproachingV1,
                        event_id=event_id(event),
                        causation_id=event.cause_event_id,
                        correlation_id=event.cause_event_id,
                        actor="notifier",
                    ),
                    event,
                )
                for event in events
            ),
        )
        conn.execute(
            text("UPDATE deadline_outbox SET sent = true WHERE seq = ANY(:s)"), {"s": [row[0] for row in rows]}
        )
    log.info("deadline_notices_logged", count=len(rows))
    return len(rows)


def notice(
    cause: str, recipient: str, kind: str, deadline: date, clock_date: date, chunk: int, chunks: int, total: int,
    *arrays: Any,
) -> DeadlineApproachingV1:  # fmt: skip
    return DeadlineApproachingV1(
        recipient, kind, deadline.isoformat(), clock_date.isoformat(), cause, chunk, chunks, total, documents(*arrays)
    )


def documents(*arrays: Any) -> list[DeadlineDocument]:
    return [
        {
            "doc_key": doc_key,
            "section": section,
            "number": number,
            "ctin": ctin,
            "doc_date": doc_date.isoformat(),
            "return_period": return_period,
        }
        for doc_key, section, number, ctin, doc_date, return_period in zip(*arrays, strict=True)
    ]


def event_id(event: DeadlineApproachingV1) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{event.cause_event_id}|{event.kind}|{event.deadline}|{event.chunk}"))
