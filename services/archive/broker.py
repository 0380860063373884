"""What the relay asks of the broker: partition counts, end offsets, a range of messages, and sends whose
offsets it checks. Events go to an explicit partition (the key's, as Kafka's default partitioner picks
it) so the relay knows each event's offset before it sends, from a non-transactional idempotent producer:
offsets of such a producer are consecutive, and a retry inside the client never writes twice."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2

from services.common.envelope import H_EPOCH
from services.common.topics import EndOffsets, ensure_topics

Partition = tuple[str, int]


def partition_for(key: str, partitions: int) -> int:
    """Kafka's default partitioner, so a producer outside this code keys to the same partition."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


@dataclass(frozen=True, slots=True)
class Placed:
    """An event and the offset the relay recorded for it before sending."""

    seq: int
    topic: str
    partition: int
    offset: int
    key: str
    headers: list[tuple[str, bytes]]
    payload: bytes
    timestamp_ms: int


class PublishError(RuntimeError):
    """The broker did not acknowledge every message of a publish call; nothing may be assumed written."""


class Diverged(RuntimeError):
    """The broker's log differs from the placements: another producer wrote to our topics."""


class Broker:
    def __init__(self, bootstrap: str, topics: Sequence[str], partitions: int):
        self.bootstrap = bootstrap
        self.topics = tuple(topics)
        self.default_partitions = partitions
        self._producer: KafkaProducer | None = None
        self._consumer: KafkaConsumer | None = None
        self._ends: EndOffsets | None = None

    def _reader(self) -> KafkaConsumer:
        if self._consumer is None:
            self._consumer = KafkaConsumer(
                bootstrap_servers=self.bootstrap,
                enable_auto_commit=False,
                isolation_level="read_committed",
                max_partition_fetch_bytes=16 * 1024 * 1024,
                fetch_max_bytes=64 * 1024 * 1024,
            )
        return self._consumer

    def ensure_topics(self) -> None:
        ensure_topics(self.bootstrap, self.topics, self.default_partitions)

    def partitions(self) -> dict[str, int]:
        reader = self._reader()
        return {topic: len(reader.partitions_for_topic(topic)) or self.default_partitions for topic in self.topics}

    def end_offsets(self) -> dict[Partition, int]:
        parts = [TopicPartition(t, p) for t, n in self.partitions().items() for p in range(n)]
        if self._ends is None:
            self._ends = EndOffsets(self.bootstrap)
        return {(tp.topic, tp.partition): offset for tp, offset in self._ends(parts).items()}

    def newest_epoch(self, ends: dict[Partition, int]) -> int | None:
        """The highest epoch stamped on the last message of any partition (None when none carries one)."""
        found = None
        for (topic, partition), end in ends.items():
            for message in self.read(topic, partition, end - 1, end) if end > 0 else ():
                stamp = dict(message.headers or ()).get(H_EPOCH)
                if stamp and stamp.isdigit():
                    found = max(found or 0, int(stamp))
        return found

    def read(self, topic: str, partition: int, start: int, end: int) -> Iterator[Any]:
        """The messages in [start, end) of one partition (transaction markers take offsets, not messages)."""
        reader = self._reader()
        tp = TopicPartition(topic, partition)
        reader.assign([tp])
        reader.seek(tp, start)
        while reader.position(tp) < end:
            for message in reader.poll(timeout_ms=1000).get(tp, []):
                if message.offset >= end:
                    return
                yield message

    def send(self, events: Sequence[Placed], epoch: int, timeout: float = 30.0) -> None:
        """Send in order and wait for every acknowledgement; each must land on its recorded offset."""
        if not events:
            return
        producer = self._writer()
        try:
            futures = [
                producer.send(
                    e.topic,
                    key=e.key.encode(),
                    value=e.payload,
                    headers=[*e.headers, (H_EPOCH, str(epoch).encode())],
                    partition=e.partition,
                    timestamp_ms=e.timestamp_ms,
                )
                for e in events
            ]
            producer.flush(timeout)
            landed = [future.get(timeout) for future in futures]
        except KafkaError as exc:
            self.close_writer()
            raise PublishError(f"broker did not acknowledge the events: {exc!r}") from exc
        for event, meta in zip(events, landed, strict=True):
            if meta.offset != event.offset:
                raise Diverged(
                    f"{event.topic}[{event.partition}]: event {event.seq} landed at offset {meta.offset}, "
                    f"placed at {event.offset}: something else writes to this topic"
                )

    def _writer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self.bootstrap,
                acks="all",
                enable_idempotence=True,
                linger_ms=2,
                max_request_size=16 * 1024 * 1024,
                # A broker restarted empty answers UnknownProducerId, which the client retries until the
                # delivery timeout: keep it short, so the relay soon finds the loss and restores.
                request_timeout_ms=5000,
                delivery_timeout_ms=8000,
            )
        return self._producer

    def close_writer(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                self._producer.close(timeout=2)
            self._producer = None

    def close(self) -> None:
        self.close_writer()
        if self._ends is not None:
            with contextlib.suppress(Exception):
                self._ends.close()
            self._ends = None
        if self._consumer is not None:
            with contextlib.suppress(Exception):
                self._consumer.close()
            self._consumer = None
