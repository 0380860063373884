"""A test projection that makes double application visible: totals per key plus one log row per event.

The log table has no primary key on purpose, so a runner that applied an event twice leaves two rows.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from sqlalchemy import Connection, Engine, text

from services.common.codec import SCHEMA_DIR, Codec
from services.common.envelope import Envelope
from services.common.events import REGISTRY, Event
from services.common.runner import Delivered
from tests.support.publisher import EventPublisher, Outgoing

TEST_SCHEMAS = Path(__file__).parent / "schemas"
TOPIC = "ims.events.v1"


@dataclass(frozen=True, slots=True)
class CounterIncrementedV1(Event):
    EVENT_TYPE: ClassVar[str] = "CounterIncremented"
    VERSION: ClassVar[int] = 1
    key: str
    amount: int


def codec() -> Codec:
    events = {**REGISTRY, (CounterIncrementedV1.EVENT_TYPE, CounterIncrementedV1.VERSION): CounterIncrementedV1}
    return Codec.from_directories(SCHEMA_DIR, TEST_SCHEMAS, events=events)


def create_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS counter_totals (key text PRIMARY KEY, total bigint NOT NULL)"))
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS counter_log "
                '(topic text, partition int, "offset" bigint, pid int, event_id text)'
            )
        )


class CounterProjection:
    name = "counter"
    tables: tuple[str, ...] = ("counter_totals", "counter_log")

    def __init__(self, topic: str, delay_s: float = 0.0, marker: Path | None = None):
        self.topics: tuple[str, ...] = (topic,)
        self._delay = delay_s
        self._marker = marker

    def apply(self, conn: Connection, batch: Sequence[Delivered[Event]]) -> None:
        totals: dict[str, int] = {}
        for message in batch:
            event = message.event
            assert isinstance(event, CounterIncrementedV1)
            totals[event.key] = totals.get(event.key, 0) + event.amount
        conn.execute(
            text(
                "INSERT INTO counter_totals (key, total) "
                "SELECT * FROM unnest(CAST(:k AS text[]), CAST(:t AS bigint[])) "
                "ON CONFLICT (key) DO UPDATE SET total = counter_totals.total + excluded.total"
            ),
            {"k": list(totals), "t": list(totals.values())},
        )
        conn.execute(
            text(
                "INSERT INTO counter_log SELECT * FROM unnest(CAST(:topic AS text[]), CAST(:p AS int[]), "
                "CAST(:o AS bigint[]), CAST(:pid AS int[]), CAST(:e AS text[]))"
            ),
            {
                "topic": [m.topic for m in batch],
                "p": [m.partition for m in batch],
                "o": [m.offset for m in batch],
                "pid": [os.getpid()] * len(batch),
                "e": [m.envelope.event_id for m in batch],
            },
        )
        if self._marker is not None:
            self._marker.write_text(str(len(batch)))
        if self._delay:
            time.sleep(self._delay)


def publish_increments(publisher: EventPublisher, topic: str, count: int, keys: int = 64) -> dict[str, int]:
    """Publish `count` increments spread over `keys` keys; returns the expected totals."""
    expected: dict[str, int] = {}
    messages = []
    for i in range(count):
        key, amount = f"k{i % keys}", i + 1
        expected[key] = expected.get(key, 0) + amount
        envelope = Envelope.of(CounterIncrementedV1, actor="test")
        messages.append(Outgoing(topic, key, envelope, CounterIncrementedV1(key, amount)))
    for start in range(0, count, 500):
        publisher.publish(messages[start : start + 500])
    return expected
