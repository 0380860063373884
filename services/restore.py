"""Broker-loss recovery: the embedded broker keeps its log in memory, PostgreSQL keeps the archive.

When the broker comes back empty while checkpoints say events were applied, the archived history is
republished in its original order, partition by partition, under a new broker epoch. Every projection's
checkpoint is moved to the new offset of the first event it had not applied, so no document or action
is lost and none is applied twice; the archive records where each event landed (`restored_offsets`).
"""

from __future__ import annotations

from collections import defaultdict

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import text

from services.archive.history import ArchivedMessage, current_epoch, history
from services.bootstrap import Container
from services.common.copy import copy_rows
from services.common.settings import TOPICS

log = structlog.get_logger()


def _end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        return {(tp.topic, tp.partition): offset for tp, offset in consumer.end_offsets(parts).items()}
    finally:
        consumer.close()


def lost_log(container: Container) -> bool:
    """True when a checkpoint points past the broker's end: the broker forgot events we applied."""
    topics = [container.settings.topic(t) for t in TOPICS]
    with container.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT topic, partition, max(next_offset) FROM projection_checkpoints "
                "WHERE topic = ANY(:t) GROUP BY topic, partition"
            ),
            {"t": topics},
        ).all()
    ends = _end_offsets(container.settings.kafka_bootstrap or "", topics)
    return any(offset > ends.get((topic, partition), 0) for topic, partition, offset in rows)


def restore(container: Container) -> int:
    """Republish the archive and move every checkpoint; returns the number of events republished."""
    settings = container.settings
    topics = [settings.topic(t) for t in TOPICS]
    epoch = current_epoch(container.engine) + 1
    events = list(history(container.engine, topics))
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        acks="all",
        enable_idempotence=True,
        max_request_size=16 * 1024 * 1024,
        linger_ms=5,
    )
    futures = [
        producer.send(
            m.topic,
            partition=m.partition,
            key=m.key,
            value=m.value,
            headers=m.headers,
            timestamp_ms=m.timestamp,
        )
        for m in events
    ]
    producer.flush(120)
    landed = [future.get(60).offset for future in futures]
    producer.close()
    by_partition: dict[tuple[str, int], list[tuple[ArchivedMessage, int]]] = defaultdict(list)
    for message, offset in zip(events, landed, strict=True):
        by_partition[(message.topic, message.partition)].append((message, offset))
    with container.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO broker_epochs (epoch, begun_on) VALUES (:e, :why)"),
            {"e": epoch, "why": f"republished {len(events)} archived events"},
        )
        copy_rows(
            conn,
            "restored_offsets",
            ("epoch", "topic", "partition", "src_epoch", "src_offset", "new_offset"),
            (
                (epoch, m.topic, m.partition, m.epoch, m.original_offset, new)
                for m, new in zip(events, landed, strict=True)
            ),
        )
        checkpoints = conn.execute(
            text("SELECT projection, topic, partition, next_offset FROM projection_checkpoints WHERE topic = ANY(:t)"),
            {"t": topics},
        ).all()
        for projection, topic, partition, next_offset in checkpoints:
            placed = by_partition.get((topic, partition), [])
            end = placed[-1][1] + 1 if placed else 0
            moved = (
                end
                if projection == "archive"
                else next((new for message, new in placed if message.offset >= next_offset), end)
            )
            conn.execute(
                text(
                    "UPDATE projection_checkpoints SET next_offset = :o WHERE projection = :p "
                    "AND topic = :t AND partition = :n"
                ),
                {"o": moved, "p": projection, "t": topic, "n": partition},
            )
    log.info("broker_log_restored", epoch=epoch, events=len(events))
    return len(events)
