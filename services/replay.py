"""Replay: rebuild projections from the first event into fresh tables, then switch over atomically.

Replay rebuilds read models only: the event log (`event_log`, `event_placements`), the system of record,
is read and never written, so `ims verify` digests of it are the same before and after.

1. Migrate a fresh schema and run each projection from offset 0 into it, from Kafka (no consumer group:
   all partitions assigned, sought to the beginning) or from the durable log in PostgreSQL.
2. Catch up to the live consumer's checkpoints, then switch in one transaction that holds the live
   checkpoint rows: the live tables move to a retired schema, the rebuilt ones take their place, and the
   live checkpoints take the rebuilt positions. A live consumer blocked on those rows resumes on the new
   tables and skips what the replay already applied; the API keeps answering throughout. The
   notifications and deadline notices of what it skips are carried into the live outboxes (sent once, by the
   notifier). A replay
   during which the broker lost its log and was restored (a new epoch) is not switched: run it again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from sqlalchemy import Engine, text

from services.actions.notifier import deadlines as deadline_notices
from services.actions.notifier import outbox
from services.archive.history import current_epoch, history
from services.bootstrap import Container, load_codec, projection_factories
from services.common import checkpoints
from services.common.db import make_engine
from services.common.migrations import upgrade
from services.common.runner import Projection, ProjectionRunner
from services.common.topics import end_offsets

log = structlog.get_logger()
BATCH = 2000


def _kafka_batches(
    bootstrap: str, topics: tuple[str, ...], until: dict[tuple[str, int], int] | None
) -> Iterator[tuple[dict[TopicPartition, list[Any]], dict[TopicPartition, int]]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        isolation_level="read_committed",
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = end_offsets(bootstrap, parts)
        if until is not None:
            ends = {tp: max(ends[tp], until.get((tp.topic, tp.partition), 0)) for tp in parts}
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            polled = consumer.poll(timeout_ms=500, max_records=BATCH)
            if polled:
                yield polled, {tp: consumer.position(tp) for tp in polled}
    finally:
        consumer.close()


FIRST_ANALYZE = 2_000  # events applied before the first ANALYZE of a replay


def _archive_batches(
    engine: Engine, topics: tuple[str, ...]
) -> Iterator[tuple[dict[TopicPartition, list[Any]], dict[TopicPartition, int]]]:
    polled: dict[TopicPartition, list[Any]] = {}
    size = 0
    for message in history(engine, list(topics)):
        polled.setdefault(TopicPartition(message.topic, message.partition), []).append(message)
        size += 1
        if size >= BATCH:
            yield polled, {}
            polled, size = {}, 0
    if polled:
        yield polled, {}


Progress = Callable[[str, int | None], Callable[[int], None]]  # (projection, events in all) -> advance(n)


def events_in(container: Container, topics: tuple[str, ...], source: str) -> int | None:
    """How many events a rebuild from `source` reads (for its progress), or None when the broker cannot say."""
    if source == "archive":
        with container.engine.connect() as conn:
            return int(
                conn.execute(
                    text("SELECT count(*) FROM event_placements WHERE epoch = :e AND topic = ANY(:t)"),
                    {"e": current_epoch(container.engine), "t": list(topics)},
                ).scalar_one()
            )
    try:
        consumer = KafkaConsumer(bootstrap_servers=container.settings.kafka_bootstrap or "")
        try:
            parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        finally:
            consumer.close()
        return sum(end_offsets(container.settings.kafka_bootstrap or "", parts).values())
    except (KafkaError, OSError):  # progress is a courtesy: a broker that cannot say leaves the total open
        return None


def rebuild(
    container: Container,
    projection: Projection,
    engine: Engine,
    source: str,
    advance: Callable[[int], None] | None = None,
) -> int:
    """Apply the whole history of the projection's topics into `engine`'s schema; returns events applied."""
    runner = ProjectionRunner(
        projection,
        engine,
        load_codec(),
        lambda: None,  # type: ignore[arg-type,return-value]
        skip_unknown=container.settings.skip_unknown_events,
    )
    batches = (
        _archive_batches(container.engine, projection.topics)
        if source == "archive"
        else _kafka_batches(container.settings.kafka_bootstrap or "", projection.topics, None)
    )
    analyze_at = FIRST_ANALYZE
    for polled, positions in batches:
        runner.apply_polled(polled, positions)
        if advance is not None:  # events read, applied or passed over (a projection of a few types skips most)
            advance(sum(len(messages) for messages in polled.values()))
        if runner.applied >= analyze_at:
            _analyze(engine, projection.tables)
            analyze_at = 2 * runner.applied
    return runner.applied


def _analyze(engine: Engine, tables: tuple[str, ...]) -> None:
    """Statistics for the tables a replay is filling, each time its events doubled: a fresh schema has none,
    and autovacuum comes too late, so the projection's per-batch statements (the GSTR-2B periods still open,
    say) were planned as if the tables were empty and went from milliseconds to seconds a batch."""
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE {table}"))


def catch_up(container: Container, projection: Projection, engine: Engine) -> None:
    """Apply from Kafka whatever the rebuilt schema has not seen yet (redelivery is a no-op)."""
    runner = ProjectionRunner(projection, engine, load_codec(), lambda: None)  # type: ignore[arg-type,return-value]
    with container.engine.connect() as conn:
        live = checkpoints.stored(conn, projection.name)
    for polled, positions in _kafka_batches(container.settings.kafka_bootstrap or "", projection.topics, live):
        runner.apply_polled(polled, positions)


def switch(container: Container, projection: Projection, fresh_schema: str, retired_schema: str) -> bool:
    """Swap the rebuilt tables in; False (nothing changed) if the live consumer got ahead meanwhile."""
    live_schema = container.settings.db_schema
    with container.engine.begin() as conn:
        conn.execute(
            text("SELECT 1 FROM projection_checkpoints WHERE projection = :p FOR UPDATE"),
            {"p": projection.name},
        )
        live = checkpoints.positions(conn, projection.name)
        fresh = {
            (t, p): (o, e)
            for t, p, o, e in conn.execute(
                text(
                    f"SELECT topic, partition, next_offset, epoch FROM {fresh_schema}.projection_checkpoints "
                    "WHERE projection = :p"
                ),
                {"p": projection.name},
            )
        }
        epochs = {e for _, e in (*live.values(), *fresh.values()) if e is not None}
        if len(epochs) > 1:
            raise RuntimeError("the broker lost its log and was restored during the replay; run the replay again")
        rebuilt = {key: offset for key, (offset, _) in fresh.items()}
        if any(rebuilt.get(key, 0) < offset for key, (offset, _) in live.items()):
            return False
        _carry_notifications(conn, fresh_schema, live_schema)
        _carry_deadline_notices(conn, fresh_schema, live_schema, {key: offset for key, (offset, _) in live.items()})
        conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {retired_schema}"))
        for table in projection.tables:
            conn.execute(text(f"ALTER TABLE {live_schema}.{table} SET SCHEMA {retired_schema}"))
            conn.execute(text(f"ALTER TABLE {fresh_schema}.{table} SET SCHEMA {live_schema}"))
        checkpoints.claim(conn, projection.name, rebuilt)
        checkpoints.advance(conn, projection.name, rebuilt, epochs={key: e for key, (_, e) in fresh.items()})
    return True


def _carry_notifications(conn: Any, fresh_schema: str, live_schema: str) -> None:
    """The live outbox stays (it records what was sent), but events the rebuild applied ahead of the live
    consumer, which that consumer now skips, left their notifications only in the rebuilt outbox: they
    join the live one unsent. Rows the live consumer already wrote (same cause event and supplier) are
    kept as they are, so nothing is sent twice."""
    columns = ", ".join(outbox.COLUMNS)
    conn.execute(
        text(
            f"INSERT INTO {live_schema}.notification_outbox ({columns}) "
            f"SELECT {columns} FROM {fresh_schema}.notification_outbox "
            "ORDER BY seq ON CONFLICT (cause_event_id, supplier) DO NOTHING"
        )
    )


def _carry_deadline_notices(conn: Any, fresh_schema: str, live_schema: str, live: dict[tuple[str, int], int]) -> None:
    """Deadline notices the rebuild wrote for clock events the live consumer had not applied (at or past its
    checkpoint: the rebuild read them in the live checkpoints' epoch, or the switch is refused) join the live
    outbox unsent. Only those: a rebuild by code newer than some live history (the first replay after
    deadline notices were introduced, say) announces for every past clock event, and those were never due."""
    columns = ", ".join(deadline_notices.HEAD + deadline_notices.CAUSE + deadline_notices.ARRAYS)
    conn.execute(
        text(
            f"INSERT INTO {live_schema}.deadline_outbox ({columns}) SELECT {columns} "
            f"FROM {fresh_schema}.deadline_outbox o "
            "LEFT JOIN unnest(CAST(:t AS text[]), CAST(:p AS int[]), CAST(:o AS bigint[])) "
            "AS c(topic, part, next_offset) "
            "ON c.topic = o.cause_topic AND c.part = o.cause_partition "
            "WHERE o.cause_offset >= coalesce(c.next_offset, 0) "
            "ORDER BY o.seq ON CONFLICT (cause_event_id, kind, deadline, chunk) DO NOTHING"
        ),
        {"t": [t for t, _ in live], "p": [p for _, p in live], "o": list(live.values())},
    )


def replay(
    container: Container,
    names: list[str],
    source: str = "kafka",
    keep_retired: bool = False,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Rebuild the named projections and switch each over; returns events applied per projection."""
    settings = container.settings
    assert settings.database_url
    factories = projection_factories(settings)
    tag = uuid.uuid4().hex[:8]
    fresh_schema, retired_schema = f"{settings.db_schema}_replay_{tag}", f"{settings.db_schema}_retired_{tag}"
    engine = make_engine(settings.database_url, fresh_schema)
    applied: dict[str, int] = {}
    try:
        upgrade(engine, fresh_schema)
        for name in names:
            projection = factories[name]()
            advance = progress(name, events_in(container, projection.topics, source)) if progress else None
            applied[name] = rebuild(container, projection, engine, source, advance)
            log.info("projection_rebuilt", projection=name, source=source, events=applied[name])
            for _attempt in range(20):
                catch_up(container, projection, engine)
                if switch(container, projection, fresh_schema, retired_schema):
                    log.info("projection_switched", projection=name)
                    break
            else:
                raise RuntimeError(f"{name}: the live consumer kept getting ahead; replay not switched")
    finally:
        engine.dispose()
        with container.engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {fresh_schema} CASCADE"))
            if not keep_retired:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {retired_schema} CASCADE"))
    return applied
