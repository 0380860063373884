"""Supplier notifications: outbox rows → `SupplierNotified` events on `ims.supplier-notifications.v1`; the same
loop logs the deadline notices (deadlines.py).

The IMS projector writes one outbox row per (applied action event, supplier) in the transaction that
applies the action, so restarts and redeliveries add nothing. The notifier turns unsent rows into events
of the durable log and marks them sent in the same transaction, so each notification is logged exactly
once; the relay publishes it (services/archive/relay.py), keyed by supplier. The event id is derived
from (cause event, supplier), so even a consumer of another system can dedupe.
"""

from __future__ import annotations

import threading
import uuid

import structlog
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from services.actions.notifier import deadlines, outbox
from services.archive import eventlog
from services.common import failpoints
from services.common.envelope import Envelope
from services.common.events import SupplierNotifiedV1
from services.common.ports import Ports
from services.common.settings import NOTIFICATIONS_TOPIC

log = structlog.get_logger()
NAMESPACE = uuid.UUID("6f1c9f4e-2f4b-4b8e-9a51-3d7f0c2f9a10")


def relay_once(container: Ports, limit: int = 1000) -> int:
    """Move up to `limit` unsent outbox rows into the event log and mark them sent, in one transaction."""
    topic = container.settings.topic(NOTIFICATIONS_TOPIC)
    with container.engine.begin() as conn:
        rows = conn.execute(
            text(
                f"SELECT seq, {', '.join(outbox.COLUMNS)} FROM notification_outbox WHERE NOT sent "
                "ORDER BY seq LIMIT :n FOR UPDATE SKIP LOCKED"
            ),
            {"n": limit},
        ).all()
        if not rows:
            return 0
        notified = (
            (
                supplier,
                Envelope.of(
                    SupplierNotifiedV1,
                    event_id=event_id(cause, supplier),
                    causation_id=cause,
                    correlation_id=cause,
                    actor="notifier",
                ),
                outbox.notification(cause, supplier, *rest),
            )
            for _, cause, supplier, *rest in rows
        )
        eventlog.append_events(conn, container.codec, topic, notified)
        failpoints.hit("notifier_after_publish")
        conn.execute(
            text("UPDATE notification_outbox SET sent = true WHERE seq = ANY(:s)"),
            {"s": [row[0] for row in rows]},
        )
    log.info("notifications_logged", count=len(rows))
    return len(rows)


def event_id(cause: str, supplier: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{cause}|{supplier}"))


def run(container: Ports, stop: threading.Event, idle_wait: float = 0.5) -> None:
    log.info("notifier_started")
    while not stop.is_set():
        try:
            sent = relay_once(container) + deadlines.relay_once(container)
        except DBAPIError as exc:  # PostgreSQL away: nothing was marked sent
            log.error("notifier_waiting", error=str(exc).splitlines()[0])
            stop.wait(1.0)
            continue
        if sent == 0:
            stop.wait(idle_wait)
    log.info("notifier_stopped")
