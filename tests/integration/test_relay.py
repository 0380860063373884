"""The relay against a real PostgreSQL and broker: killed at either side of a send, it resumes and every
logged event is in the broker exactly once, at the offset placed for it; foreign messages join the log."""

from __future__ import annotations

import threading
import time

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import text

from services.archive import eventlog
from services.archive.broker import Broker
from services.archive.relay import Relay
from services.bootstrap import load_codec
from services.common.envelope import H_EPOCH, Envelope
from services.common.events import ClockAdvancedV1
from services.common.settings import EVENTS_TOPIC, TOPICS
from services.common.topics import end_offsets
from tests.support.live import spawn_cli
from tests.support.processes import wait_until

pytestmark = pytest.mark.integration
RECIPIENTS = ["29AABCR1718E1ZL", "27AAPFU0939F1ZV", "24AANFA2641L1ZF"]


def log_clock_events(engine, settings, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    """`count` ClockAdvanced events over three recipients, appended as one request would; their ids."""
    events = [
        (
            RECIPIENTS[i % 3],
            Envelope.of(ClockAdvancedV1),
            ClockAdvancedV1(RECIPIENTS[i % 3], f"2025-11-{1 + i % 28:02d}"),
        )
        for i in range(count)
    ]
    with engine.begin() as conn:
        eventlog.append_events(conn, load_codec(), settings.topic(EVENTS_TOPIC), events)
    return [envelope.event_id for _, envelope, _ in events]


def broker_log(settings) -> list[tuple[int, int, str, str]]:  # type: ignore[no-untyped-def]
    """Every message of the events topic: (partition, offset, event id, epoch header)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False)
    try:
        topic = settings.topic(EVENTS_TOPIC)
        parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = end_offsets(settings.kafka_bootstrap, parts)
        found = []
        while any(consumer.position(tp) < ends[tp] for tp in parts):
            for tp, messages in consumer.poll(1000).items():
                for m in messages:
                    headers = dict(m.headers)
                    found.append(
                        (tp.partition, m.offset, Envelope.from_headers(m.headers).event_id, headers.get(H_EPOCH, b""))
                    )
        return sorted(found)
    finally:
        consumer.close()


def relay_for(settings, engine) -> Relay:  # type: ignore[no-untyped-def]
    broker = Broker(settings.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
    return Relay(engine, broker, settings.db_schema)


def drain(relay: Relay) -> None:
    relay.sync()
    while relay.step():
        pass


@pytest.mark.parametrize("failpoint", ["relay_after_place", "relay_after_send"])
def test_a_relay_killed_on_either_side_of_a_send_resumes_with_every_event_in_the_broker_exactly_once(
    stack, tmp_path, failpoint: str
) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    ids = log_clock_events(engine, settings, 300)
    dying = spawn_cli(settings, tmp_path / "relay.log", "relay", IMS_FAILPOINTS=failpoint)
    assert dying.wait(60) == 137
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM event_relay_queue")).scalar() == 0, "placed before it died"
    relay = relay_for(settings, engine)
    try:
        drain(relay)
    finally:
        relay.broker.close()
    found = broker_log(settings)
    assert sorted(event_id for _, _, event_id, _ in found) == sorted(ids)
    with engine.connect() as conn:
        placed = conn.execute(
            text(
                'SELECT p.partition, p."offset", l.event_id FROM event_placements p JOIN event_log l USING (seq) '
                "WHERE p.epoch = 0 ORDER BY 1, 2"
            )
        ).all()
    assert [(p, o, i) for p, o, i, _ in found] == [tuple(r) for r in placed], "each event where it was placed"


def test_events_of_one_recipient_reach_the_broker_in_log_order(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    first = log_clock_events(engine, settings, 30)
    second = log_clock_events(engine, settings, 30)
    relay = relay_for(settings, engine)
    try:
        drain(relay)
    finally:
        relay.broker.close()
    by_partition: dict[int, list[str]] = {}
    for partition, _, event_id, _ in broker_log(settings):
        by_partition.setdefault(partition, []).append(event_id)
    order = {event_id: i for i, event_id in enumerate(first + second)}
    for ids in by_partition.values():
        assert ids == sorted(ids, key=order.__getitem__)


def test_messages_another_producer_wrote_to_our_topic_join_the_log_where_they_are(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    log_clock_events(engine, settings, 5)
    relay = relay_for(settings, engine)
    try:
        drain(relay)
        producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
        stray = Envelope.of(ClockAdvancedV1)
        payload = load_codec().encode(ClockAdvancedV1(RECIPIENTS[0], "2025-11-30"))
        producer.send(
            settings.topic(EVENTS_TOPIC), key=RECIPIENTS[0].encode(), value=payload, headers=stray.to_headers()
        ).get(30)
        producer.close()
        later = log_clock_events(engine, settings, 5)
        drain(relay)
    finally:
        relay.broker.close()
    found = broker_log(settings)
    assert {event_id for _, _, event_id, _ in found} >= {stray.event_id, *later}
    with engine.connect() as conn:
        adopted = conn.execute(
            text("SELECT count(*) FROM event_log l JOIN event_placements p USING (seq) WHERE l.event_id = :i"),
            {"i": stray.event_id},
        ).scalar()
        queued = conn.execute(text("SELECT count(*) FROM event_relay_queue")).scalar()
    assert adopted == 1 and queued == 0, "adopted once, placed where it is, never sent again"
    assert len(found) == 11


def test_an_idle_relay_is_woken_by_the_commit_that_logs_an_event(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    relay = relay_for(settings, engine)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop, 120.0), daemon=True)  # it would sleep two minutes
    thread.start()
    try:
        wait_until(lambda: relay.epoch == 0 and relay.partitions, timeout=60, what="the relay synced")
        time.sleep(1.0)  # asleep on its connection now
        (event_id,) = log_clock_events(engine, settings, 1)
        wait_until(lambda: event_id in {i for _, _, i, _ in broker_log(settings)}, timeout=30, what="sent at once")
    finally:
        stop.set()
        log_clock_events(engine, settings, 1)  # wakes it to see the stop
        thread.join(30)
    assert not thread.is_alive()
