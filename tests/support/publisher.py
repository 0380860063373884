"""Publishing test events straight to Kafka: idempotent, acks=all, and a call returns only after the broker
acknowledged. (The product publishes only through the relay of its durable log, services/archive/relay.py.)"""

from __future__ import annotations

import contextlib
import itertools
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from services.archive.broker import PublishError
from services.common.codec import Codec
from services.common.envelope import Envelope
from services.common.events import Event


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    key: str
    envelope: Envelope
    event: Event


@dataclass(frozen=True, slots=True)
class Encoded:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class EventPublisher:
    """Sends a group of events as one Kafka transaction and waits for the broker's acknowledgement.

    Guarantees: a return means every message is acknowledged (acks=all, idempotent producer, so retries
    inside the client never duplicate); an exception means the transaction was aborted. Calls are
    serialised on one transactional producer, which Kafka requires.
    """

    def __init__(self, codec: Codec, bootstrap: str, *, transactional: bool = True, **config: Any):
        self._codec = codec
        self._lock = threading.Lock()
        self._transactional = transactional
        options: dict[str, Any] = {
            "bootstrap_servers": bootstrap,
            "acks": "all",
            "enable_idempotence": True,
            "linger_ms": 5,
            "max_request_size": 8 * 1024 * 1024,
            "request_timeout_ms": 30000,
            **config,
        }
        if transactional:
            options["transactional_id"] = f"ims-{uuid.uuid4()}"
        self._producer = KafkaProducer(**options)
        if transactional:
            self._producer.init_transactions()

    def publish(self, messages: Sequence[Outgoing], timeout: float = 60.0) -> list[Any]:
        if not messages:
            return []
        encoded = [self.encoded(m, self._codec.encode(m.envelope.checked(m.event))) for m in messages]
        return self.publish_encoded(encoded, timeout)

    @staticmethod
    def encoded(message: Outgoing, value: bytes) -> Encoded:
        return Encoded(message.topic, message.key.encode(), value, message.envelope.to_headers())

    def publish_encoded(self, messages: Iterable[Encoded], timeout: float = 60.0) -> list[Any]:
        """Send already encoded messages as they are produced by the iterable (a large filing streams from
        disk; the client's buffer bounds memory) in one transaction; same guarantees as `publish`."""
        pending = iter(messages)
        first = next(pending, None)
        if first is None:
            return []
        with self._lock:
            try:
                if self._transactional:
                    self._producer.begin_transaction()
                futures = [
                    self._producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
                    for m in itertools.chain((first,), pending)
                ]
                self._producer.flush(timeout)
                results = [future.get(timeout) for future in futures]
                if self._transactional:
                    self._producer.commit_transaction()
                return results
            except KafkaError as exc:
                self._abort()
                raise PublishError(f"broker did not acknowledge the events: {exc!r}") from exc
            except BaseException:
                self._abort()
                raise

    def _abort(self) -> None:
        if not self._transactional:
            return
        with contextlib.suppress(KafkaError):
            self._producer.abort_transaction()

    def close(self) -> None:
        self._producer.close(timeout=5)
