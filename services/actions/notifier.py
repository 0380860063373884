"""Relay of supplier notifications: outbox rows → `ims.supplier-notifications.v1`, keyed by supplier.

The IMS projector writes one outbox row per (applied action event, supplier) in the transaction that
applies the action, so restarts and redeliveries add nothing. This relay publishes unsent rows in
order and marks them sent, together with the topic positions after them, in the database transaction
that locked them. A crash between the broker's acknowledgement and that commit is healed at start:
whatever the topic holds beyond the stored positions was sent, and its rows are marked, not resent.
The event id is derived from (cause event, supplier), so even a consumer of another system can dedupe.
"""

from __future__ import annotations

import threading
import uuid

import structlog
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from services.actions import outbox
from services.bootstrap import Container
from services.common import failpoints
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
                f"SELECT seq, {', '.join(outbox.COLUMNS)} FROM notification_outbox WHERE NOT sent "
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
                    event_id=event_id(cause, supplier),
                    causation_id=cause,
                    correlation_id=cause,
                    actor="notifier",
                ),
                outbox.notification(cause, supplier, *rest),
            )
            for _, cause, supplier, *rest in rows
        ]
        acknowledged = container.publisher.publish(messages)
        failpoints.hit("notifier_after_publish")
        conn.execute(
            text("UPDATE notification_outbox SET sent = true WHERE seq = ANY(:s)"),
            {"s": [row[0] for row in rows]},
        )
        _store_positions(conn, {(m.topic, m.partition): m.offset + 1 for m in acknowledged})
    log.info("notifications_sent", count=len(rows))
    return len(rows)


def _store_positions(conn: Connection, positions: dict[tuple[str, int], int]) -> None:
    for (topic, partition), offset in positions.items():
        conn.execute(
            text(
                "INSERT INTO notifier_positions (topic, partition, next_offset) VALUES (:t, :p, :o) "
                "ON CONFLICT (topic, partition) DO UPDATE SET next_offset = "
                "greatest(notifier_positions.next_offset, excluded.next_offset)"
            ),
            {"t": topic, "p": partition, "o": offset},
        )


def reconcile(container: Container) -> int:
    """Mark as sent what reached the topic after the last stored positions (a crash before the commit)."""
    topic = container.settings.topic(NOTIFICATIONS_TOPIC)
    with container.engine.connect() as conn:
        stored: dict[int, int] = dict(
            conn.execute(
                text("SELECT partition, next_offset FROM notifier_positions WHERE topic = :t"), {"t": topic}
            ).all()
        )
    consumer = KafkaConsumer(
        bootstrap_servers=container.settings.kafka_bootstrap, enable_auto_commit=False, isolation_level="read_committed"
    )
    found: set[str] = set()
    last: dict[tuple[str, int], int] = {}
    try:
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(parts)
        for tp in parts:
            consumer.seek(tp, stored.get(tp.partition, 0))
        ends = consumer.end_offsets(parts)
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for tp, messages in consumer.poll(500).items():
                for message in messages:
                    found.add(Envelope.from_headers(message.headers).event_id)
                    last[(tp.topic, tp.partition)] = message.offset + 1
    finally:
        consumer.close()
    if not found:
        return 0
    with container.engine.begin() as conn:
        unsent = conn.execute(text("SELECT seq, cause_event_id, supplier FROM notification_outbox WHERE NOT sent"))
        seqs = [seq for seq, cause, supplier in unsent if event_id(cause, supplier) in found]
        conn.execute(text("UPDATE notification_outbox SET sent = true WHERE seq = ANY(:s)"), {"s": seqs})
        _store_positions(conn, last)
    log.info("notifications_reconciled", already_sent=len(seqs))
    return len(seqs)


def event_id(cause: str, supplier: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{cause}|{supplier}"))


def run(container: Container, stop: threading.Event, idle_wait: float = 0.5) -> None:
    log.info("notifier_started")
    while not stop.is_set():
        try:
            reconcile(container)
            break
        except DBAPIError as exc:  # PostgreSQL away at start: wait for it, as the relay loop below does
            log.error("notifier_waiting", error=str(exc).splitlines()[0])
            stop.wait(1.0)
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
