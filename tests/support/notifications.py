"""Reading the notification topics from the beginning, as a downstream system would."""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.bootstrap import load_codec
from services.common.envelope import Envelope
from services.common.events import DeadlineApproachingV1, Event, SupplierNotifiedV1
from services.common.settings import DEADLINES_TOPIC, NOTIFICATIONS_TOPIC
from services.common.topics import end_offsets


def notifications_on_topic(live_stack: Any) -> list[tuple[str, str]]:
    """(cause event id, supplier) of every notification message, in topic order per partition, once the
    relay has published everything logged."""
    seen = []
    for key, envelope, event in _messages(live_stack, NOTIFICATIONS_TOPIC):
        assert isinstance(event, SupplierNotifiedV1)
        assert key == event.supplier
        seen.append((envelope.causation_id, event.supplier))
    return seen


def deadline_notices_on_topic(live_stack: Any) -> list[tuple[str, DeadlineApproachingV1]]:
    """(event id, event) of every deadline notice, in topic order per partition, once everything logged is relayed."""
    seen = []
    for key, envelope, event in _messages(live_stack, DEADLINES_TOPIC):
        assert isinstance(event, DeadlineApproachingV1)
        assert key == event.recipient and envelope.causation_id == event.cause_event_id
        seen.append((envelope.event_id, event))
    return seen


def _messages(live_stack: Any, name: str) -> list[tuple[str, Envelope, Event]]:
    live_stack.wait_relayed()
    topic = live_stack.settings.topic(name)
    consumer = KafkaConsumer(
        bootstrap_servers=live_stack.settings.kafka_bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    parts = [TopicPartition(topic, p) for p in range(live_stack.settings.partitions)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = end_offsets(live_stack.settings.kafka_bootstrap, parts)
    seen: list[tuple[str, Envelope, Event]] = []
    try:
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for messages in consumer.poll(500).values():
                for message in messages:
                    envelope = Envelope.from_headers(message.headers)
                    seen.append((message.key.decode(), envelope, load_codec().decode(message.value)))
    finally:
        consumer.close()
    return seen
