"""As-of views: a recipient's IMS as it stood at an instant, rebuilt from the durable event log.

The recipient's events (one key, so one partition, in offset order) that occurred up to the instant are
applied by the same projection into a scratch schema, which is dropped after the answer. Costs a few
seconds for a large recipient; it is an audit query, not a dashboard one.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime

from kafka import TopicPartition
from sqlalchemy import Engine, text

from services.actions.projection import ImsProjection
from services.archive.history import ArchivedMessage, history
from services.bootstrap import Container, load_codec
from services.common.db import make_engine
from services.common.migrations import upgrade
from services.common.runner import ProjectionRunner
from services.common.settings import EVENTS_TOPIC

BATCH = 2000


def parse_instant(value: str) -> str:
    """ISO-8601 instant, normalised to UTC text comparable with the envelope's occurred-at."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("as_of: include a time zone, e.g. 2025-11-20T10:00:00+05:30")
    from datetime import UTC

    return moment.astimezone(UTC).isoformat(timespec="microseconds")


@contextlib.contextmanager
def as_of_engine(container: Container, recipient: str, instant: str) -> Iterator[Engine]:
    settings = container.settings
    assert settings.database_url
    schema = f"asof_{uuid.uuid4().hex[:12]}"
    engine = make_engine(settings.database_url, schema, pool_size=1)
    try:
        upgrade(engine, schema)
        topic = settings.topic(EVENTS_TOPIC)
        runner = ProjectionRunner(ImsProjection(topic), engine, load_codec(), lambda: None)  # type: ignore[arg-type,return-value]
        polled: dict[TopicPartition, list[ArchivedMessage]] = {}
        messages = history(
            container.engine,
            [topic],
            "AND l.msg_key = :k AND l.occurred_at <= :at",
            unplaced=True,  # committed moments ago: answered, so part of the state
            k=recipient,
            at=instant,
        )
        for position, message in enumerate(messages):  # one key: one ordered stream, numbered afresh here
            polled.setdefault(TopicPartition(topic, 0), []).append(replace(message, partition=0, offset=position))
            if sum(len(v) for v in polled.values()) >= BATCH:
                runner.apply_polled(polled)  # type: ignore[arg-type]
                polled = {}
        if polled:
            runner.apply_polled(polled)  # type: ignore[arg-type]
        yield engine
    finally:
        engine.dispose()
        with container.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
