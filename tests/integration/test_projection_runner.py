"""The three guarantees of the projection runner, against the real PostgreSQL and broker."""

from __future__ import annotations

import signal

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import text

from services.common.runner import ProjectionRunner, consumer_factory
from tests.support import counter
from tests.support.processes import spawn, stop, wait_until
from tests.support.publisher import EventPublisher

pytestmark = pytest.mark.integration


def _totals(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT key, total FROM counter_totals")).all())


def _log_stats(engine) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        row = conn.execute(
            text('SELECT count(*), count(DISTINCT (partition, "offset")), count(DISTINCT pid) FROM counter_log')
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def _publish(settings, count: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    publisher = EventPublisher(counter.codec(), settings.kafka_bootstrap)
    try:
        return counter.publish_increments(publisher, settings.topic(counter.TOPIC), count)
    finally:
        publisher.close()


def _poll_everything(settings, expected: int) -> dict:  # type: ignore[no-untyped-def]
    topic = settings.topic(counter.TOPIC)
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    parts = [TopicPartition(topic, p) for p in range(settings.partitions)]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    polled: dict = {}

    def poll_more() -> bool:
        for tp, messages in consumer.poll(500).items():
            polled.setdefault(tp, []).extend(messages)
        return sum(len(v) for v in polled.values()) >= expected

    wait_until(poll_more, what="all messages polled")
    consumer.close()
    return polled


def test_redelivered_batch_changes_nothing(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    counter.create_tables(engine)
    expected = _publish(settings, 300)
    polled = _poll_everything(settings, 300)
    runner = ProjectionRunner(
        counter.CounterProjection(settings.topic(counter.TOPIC)),
        engine,
        counter.codec(),
        consumer_factory(settings.kafka_bootstrap, settings.group("counter"), settings),
    )

    assert runner.apply_polled(polled) == 300
    assert runner.apply_polled(polled) == 0
    half = {tp: messages[: len(messages) // 2] for tp, messages in polled.items()}
    assert runner.apply_polled(half) == 0

    assert _totals(engine) == expected
    assert _log_stats(engine) == (300, 300, 1)


def _applied(engine) -> int:  # type: ignore[no-untyped-def]
    """Events applied so far (offsets have gaps: transaction markers take offsets of their own)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM counter_log")).scalar())


def _checkpoint_sum(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(sum(next_offset), 0) FROM projection_checkpoints")).scalar())


def test_projector_killed_mid_batch_resumes_without_loss_or_double_count(stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    counter.create_tables(engine)
    expected = _publish(settings, 2000)
    marker = tmp_path / "in-batch"
    slow = spawn(
        "tests.support.run_counter",
        settings,
        tmp_path / "slow.log",
        COUNTER_DELAY_S="1.0",
        COUNTER_MARKER=str(marker),
        IMS_BATCH_SIZE="200",
    )
    try:
        wait_until(lambda: _applied(engine) > 0, what="a first committed batch")
        marker.unlink(missing_ok=True)
        wait_until(marker.exists, what="the projector inside a batch")
        applied_before_kill, checkpoint_before_kill = _applied(engine), _checkpoint_sum(engine)
        slow.send_signal(signal.SIGKILL)
        slow.wait(10)
    finally:
        stop(slow)
    assert 0 < applied_before_kill < 2000
    assert _applied(engine) == applied_before_kill, "the batch in flight at the kill must not be committed"
    assert _checkpoint_sum(engine) == checkpoint_before_kill

    resumed = spawn("tests.support.run_counter", settings, tmp_path / "resumed.log")
    try:
        wait_until(lambda: _applied(engine) == 2000, what="catch-up after the kill")
    finally:
        assert stop(resumed) == 0
    assert _totals(engine) == expected
    total_rows, distinct_rows, _ = _log_stats(engine)
    assert total_rows == distinct_rows == 2000


def test_two_projectors_in_one_group_split_partitions_and_apply_each_event_once(stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    counter.create_tables(engine)
    first = spawn("tests.support.run_counter", settings, tmp_path / "a.log", IMS_BATCH_SIZE="100")
    second = spawn("tests.support.run_counter", settings, tmp_path / "b.log", IMS_BATCH_SIZE="100")
    try:
        expected = _publish(settings, 3000)
        wait_until(lambda: _applied(engine) == 3000, timeout=90, what="both projectors caught up")
    finally:
        codes = (stop(first), stop(second))
    assert codes == (0, 0)
    assert _totals(engine) == expected
    total_rows, distinct_rows, processes = _log_stats(engine)
    assert total_rows == distinct_rows == 3000
    assert processes == 2, "both group members must have taken partitions"
