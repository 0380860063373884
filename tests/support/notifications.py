"""Reading the supplier-notifications topic from the beginning, as a downstream system would."""

from __future__ import annotations

from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.bootstrap import load_codec
from services.common.envelope import Envelope
from services.common.events import SupplierNotifiedV1
from services.common.topics import end_offsets


def notifications_on_topic(live_stack: Any) -> list[tuple[str, str]]:
    """(cause event id, supplier) of every notification message, in topic order per partition, once the
    relay has published everything logged."""
    live_stack.wait_relayed()
    topic = live_stack.settings.topic("ims.supplier-notifications.v1")
    consumer = KafkaConsumer(
        bootstrap_servers=live_stack.settings.kafka_bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
    )
    parts = [TopicPartition(topic, p) for p in range(live_stack.settings.partitions)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    ends = end_offsets(live_stack.settings.kafka_bootstrap, parts)
    seen: list[tuple[str, str]] = []
    try:
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for messages in consumer.poll(500).values():
                for message in messages:
                    envelope = Envelope.from_headers(message.headers)
                    event = load_codec().decode(message.value)
                    assert isinstance(event, SupplierNotifiedV1)
                    assert message.key.decode() == event.supplier
                    seen.append((envelope.causation_id, event.supplier))
    finally:
        consumer.close()
    return seen
