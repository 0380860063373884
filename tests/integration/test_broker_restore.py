"""A broker that lost its log gets the durable log again under a new epoch, even when the restore itself is
interrupted; projectors hold back the new epoch's messages until their checkpoints have moved into it."""

from __future__ import annotations

import threading
from dataclasses import replace
from types import SimpleNamespace

import pytest
from kafka import TopicPartition
from sqlalchemy import text

from services.archive import eventlog
from services.archive.broker import partition_for
from services.common.embedded.broker import EmbeddedBroker
from services.common.envelope import H_EPOCH, Envelope
from services.common.runner import ProjectionRunner, consumer_factory
from services.common.settings import EVENTS_TOPIC, TOPICS
from services.common.topics import ensure_topics
from tests.integration.test_relay import broker_log, drain, log_clock_events, relay_for
from tests.support import counter
from tests.support.live import spawn_cli
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("failpoint", ["restore_after_page", "restore_before_commit"])
def test_a_restore_interrupted_part_way_resumes_and_every_event_lands_once_in_the_new_epoch(
    stack, tmp_path, failpoint: str
) -> None:  # type: ignore[no-untyped-def]
    base, engine = stack
    broker = EmbeddedBroker()
    settings = replace(base, kafka_bootstrap=broker.start())
    try:
        ensure_topics(settings.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        ids = log_clock_events(engine, settings, 1500)  # pages of 500: the restore is cut after the first
        relay = relay_for(settings, engine)
        drain(relay)
        relay.broker.close()
        topic = settings.topic(EVENTS_TOPIC)
        partition = partition_for("29AABCR1718E1ZL", settings.partitions)
        with engine.begin() as conn:  # a projector that had applied the first 321 events of that partition
            conn.execute(
                text("INSERT INTO projection_checkpoints VALUES ('ims', :t, :p, 321, 321, 0)"),
                {"t": topic, "p": partition},
            )
        before = broker_log(settings)

        broker.stop()
        broker.start()  # the same port, an empty log
        dying = spawn_cli(settings, tmp_path / "relay.log", "relay", IMS_FAILPOINTS=failpoint)
        assert dying.wait(120) == 137
        sent = len(broker_log(settings))
        assert 0 < sent < len(ids) if failpoint == "restore_after_page" else sent == len(ids), "cut where it should"
        relay = relay_for(settings, engine)
        drain(relay)
        relay.broker.close()

        after = broker_log(settings)
        assert [(p, o, i) for p, o, i, _ in after] == [(p, o, i) for p, o, i, _ in before], "same order, once"
        assert {epoch for *_, epoch in after} == {b"1"}
        with engine.connect() as conn:
            assert conn.execute(text("SELECT max(epoch) FROM broker_epochs")).scalar() == 1
            moved = conn.execute(
                text("SELECT next_offset, epoch FROM projection_checkpoints WHERE projection = 'ims'")
            ).one()
        assert tuple(moved) == (321, 1)
    finally:
        broker.stop()


def _message(settings, offset: int, epoch: int | None, amount: int):  # type: ignore[no-untyped-def]
    headers = Envelope.of(counter.CounterIncrementedV1).to_headers()
    if epoch is not None:
        headers.append((H_EPOCH, str(epoch).encode()))
    payload = counter.codec().encode(counter.CounterIncrementedV1("k", amount))
    return SimpleNamespace(
        topic=settings.topic(counter.TOPIC), partition=0, offset=offset, key=b"k", value=payload,
        headers=headers, timestamp=0,
    )  # fmt: skip


def test_a_projector_holds_back_a_newer_epoch_until_its_checkpoint_moves_and_skips_an_older_one(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    counter.create_tables(engine)
    topic = settings.topic(counter.TOPIC)
    runner = ProjectionRunner(counter.CounterProjection(topic), engine, counter.codec(), lambda: None)  # type: ignore[arg-type,return-value]
    tp = TopicPartition(topic, 0)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO projection_checkpoints VALUES ('counter', :t, 0, 10, 10, 0)"), {"t": topic})

    def position() -> tuple[int, int]:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT next_offset, epoch FROM projection_checkpoints")).one()
        return row[0], row[1]

    def total() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT coalesce(sum(total), 0) FROM counter_totals")).scalar_one())

    assert runner.apply_polled({tp: [_message(settings, o, 1, 1) for o in range(3)]}, {tp: 3}) == 0
    assert position() == (10, 0) and total() == 0 and runner.held == {tp}, "held back, not skipped"

    runner.held.clear()
    with engine.begin() as conn:  # what a restore does: the checkpoint moves into epoch 1
        conn.execute(text("UPDATE projection_checkpoints SET next_offset = 1, epoch = 1"))
    assert runner.apply_polled({tp: [_message(settings, o, 1, 10**o) for o in range(3)]}, {tp: 3}) == 2
    assert position() == (3, 1) and total() == 110

    assert runner.apply_polled({tp: [_message(settings, 7, 0, 1000)]}, {tp: 8}) == 0
    assert position() == (3, 1) and total() == 110 and runner.held == {tp}, "a stale message is skipped, then sought"

    assert runner.apply_polled({tp: [_message(settings, 3, None, 5)]}, {tp: 4}) == 1, "no header: the checkpoint's"
    assert position() == (4, 1) and total() == 115


def _log_increments(engine, settings, start: int, count: int) -> int:  # type: ignore[no-untyped-def]
    """`count` CounterIncremented events on eight keys, appended to the log; their total."""
    increment = counter.CounterIncrementedV1
    events = [(f"k{i % 8}", Envelope.of(increment), increment("k", i)) for i in range(start, start + count)]
    with engine.begin() as conn:
        eventlog.append_events(conn, counter.codec(), settings.topic(counter.TOPIC), events)
    return sum(range(start, start + count))


def test_a_running_projector_resumes_exactly_where_it_was_after_its_broker_lost_its_log(stack) -> None:  # type: ignore[no-untyped-def]
    base, engine = stack
    counter.create_tables(engine)
    broker = EmbeddedBroker()
    settings = replace(base, kafka_bootstrap=broker.start())
    stop = threading.Event()
    runner = ProjectionRunner(
        counter.CounterProjection(settings.topic(counter.TOPIC)),
        engine,
        counter.codec(),
        consumer_factory(settings.kafka_bootstrap, settings.group("counter"), settings),
    )
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)

    def applied() -> tuple[int, int]:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT count(*), count(DISTINCT event_id) FROM counter_log")).one()
        return row[0], row[1]

    def total() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT coalesce(sum(total), 0) FROM counter_totals")).scalar_one())

    try:
        ensure_topics(settings.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        expected = _log_increments(engine, settings, 1, 100)
        relay = relay_for(settings, engine)
        drain(relay)
        thread.start()
        wait_until(lambda: total() == expected, timeout=60, what="the first hundred applied")

        broker.stop()
        broker.start()
        expected += _log_increments(engine, settings, 101, 50)
        wait_until(lambda: _drained(relay), timeout=60, what="the relay restored and sent the rest")
        wait_until(lambda: total() == expected, timeout=90, what="all applied after the restore")
        rows, distinct = applied()
        assert rows == distinct == 150, "each event applied once"
    finally:
        stop.set()
        thread.join(30)
        relay.broker.close()
        broker.stop()


def _drained(relay) -> bool:  # type: ignore[no-untyped-def]
    try:
        drain(relay)
        return True
    except Exception:  # the broker is still coming back
        relay.broker.close()
        return False
