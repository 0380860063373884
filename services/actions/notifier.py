"""Relay of supplier notifications: outbox rows → `ims.supplier-notifications.v1`, keyed by supplier.

The IMS projector writes one outbox row per (applied action event, supplier) in the transaction that
applies the action, so restarts and redeliveries add nothing. This relay publishes unsent rows in
order and marks them sent in the same database transaction that locked them. The event id is derived
from (cause event, supplier), so if a crash falls between the broker's acknowledgement and the commit,
the resent message carries the same event id and consumers can drop it.
"""

from __future__ import annotations

import threading
import uuid

import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.bootstrap import Container
from services.common.envelope import Envelope
from services.common.producer import Outgoing, PublishError
from services.common.settings import NOTIFICATIONS_TOPIC

log = structlog.get_logger()
NAMESPACE = uuid.UUID("6f1c9f4e-2f4b-4b8e-9a51-3d7f0c2f9a10")


def relay_once(container: Container, limit: int = 1000) -> int:
    topic = container.settings.topic(NOTIFICATIONS_TOPIC)
    with container.engine.begin() as conn:
        rows = conn.execute(
            text(
                "SELECT seq, cause_event_id, supplier, record FROM notification_outbox WHERE NOT sent "
                "ORDER BY seq LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"n": limit},
        ).all()
        if not rows:
            return 0
        messages = [
            Outgoing(
                topic,
                supplier,
                Envelope(
                    "SupplierNotified",
                    1,
                    event_id=str(uuid.uuid5(NAMESPACE, f"{cause}|{supplier}")),
                    causation_id=cause,
                    correlation_id=cause,
                    actor="notifier",
                ),
                dict(record),
            )
            for _, cause, supplier, record in rows
        ]
        container.publisher.publish(messages)
        conn.execute(
            text("UPDATE notification_outbox SET sent = true WHERE seq = ANY(:s)"),
            {"s": [row[0] for row in rows]},
        )
    log.info("notifications_sent", count=len(rows))
    return len(rows)


def run(container: Container, stop: threading.Event, idle_wait: float = 0.5) -> None:
    log.info("notifier_started")
    while not stop.is_set():
        try:
            sent = relay_once(container)
        except (DBAPIError, PublishError) as exc:  # PostgreSQL or the broker away: nothing was marked sent
            log.error("notifier_waiting", error=str(exc).splitlines()[0])
            stop.wait(1.0)
            continue
        if sent == 0:
            stop.wait(idle_wait)
    log.info("notifier_stopped")
