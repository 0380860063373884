"""The relay: events go from the durable log to Kafka in log order, each to the offset placed for it.

Guarantees, each proved by a test against real servers:
- an event is sent only after its placement (epoch, partition, offset) is committed, and the broker must
  put it exactly there (a non-transactional idempotent producer writes consecutive offsets);
- on start and after any failure the relay compares the broker with what it had acknowledged: messages
  the broker holds beyond that are checked against their placements (or, when an older version or another
  producer wrote them, adopted into the log), placements the broker lacks are sent again, and a broker
  that lost acknowledged messages gets the whole log again under a new epoch (`restore.py`);
- one relay runs per database schema (a PostgreSQL advisory lock); a second one waits as a standby.
So every event of an answered request reaches the broker exactly once per epoch, whenever the broker,
the relay or PostgreSQL stops.
"""

from __future__ import annotations

import contextlib
import json
import select
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import psycopg2
import structlog
from kafka.errors import KafkaError
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from services.archive import placements
from services.archive.broker import Broker, Diverged, Partition, PublishError
from services.archive.restore import restore
from services.common import failpoints
from services.common.envelope import Envelope, EnvelopeError

log = structlog.get_logger()
BROKER_CHECK_SECONDS = 2.0
_ADOPTED = ("t", "k", "et", "v", "id", "at", "h", "b", "ms")


class Relay:
    def __init__(self, engine: Engine, broker: Broker, schema: str):
        self.engine = engine
        self.broker = broker
        self.schema = schema
        self.epoch = 0
        self.partitions: dict[str, int] = {}
        self.next_offsets: dict[Partition, int] = {}
        self.acked: dict[Partition, int] = {}
        self.sent = 0

    def run(self, stop: threading.Event, idle_wait: float = 0.5) -> None:
        """Relay until `stop`; every failure is logged and retried from `sync`, with a growing pause."""
        log.info("relay_started", schema=self.schema)
        pause = 0.5
        while not stop.is_set():
            try:
                with self._lock_and_listen() as listener:
                    self.sync()
                    pause = 0.5
                    self._relay(stop, listener, idle_wait)
            except (DBAPIError, psycopg2.Error, PublishError, KafkaError, Diverged, OSError) as exc:
                log.error("relay_waiting", error=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                self.broker.close()
                stop.wait(pause)
                pause = min(pause * 2, 10.0)
        self.broker.close()
        log.info("relay_stopped", sent=self.sent)

    def _relay(self, stop: threading.Event, listener: Any, idle_wait: float) -> None:
        checked = time.monotonic()
        while not stop.is_set():
            if self.step():
                continue
            if time.monotonic() - checked > BROKER_CHECK_SECONDS:
                self._check_broker()
                checked = time.monotonic()
            _wait_for_notify(listener, idle_wait)

    @contextlib.contextmanager
    def _lock_and_listen(self) -> Iterator[Any]:
        """The advisory lock makes this the only relay of the schema while its connection lives; the same
        connection hears the log's NOTIFY."""
        raw = self.engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            driver.autocommit = True  # on the pool's wrapper the attribute would be taken and ignored
            cursor = driver.cursor()
            cursor.execute("SELECT pg_advisory_lock(hashtextextended('ims-relay|' || current_schema(), 0))")
            cursor.execute(f'LISTEN "ims_event_log_{self.schema}"')
            cursor.close()
            yield driver
        finally:
            with contextlib.suppress(Exception):
                raw.invalidate()  # closed, not pooled: that releases the lock

    def sync(self) -> None:
        """Bring the broker and the placements of the current epoch into agreement (module docstring)."""
        self.broker.ensure_topics()
        self.partitions = self.broker.partitions()
        ends = self.broker.end_offsets()
        with self.engine.begin() as conn:
            self.epoch = placements.current_epoch(conn)
            acked = placements.acked(conn, self.epoch)
        lost = any(ends.get(tp, 0) < offset for tp, offset in acked.items())
        if lost or (self.broker.newest_epoch(ends) or 0) > self.epoch:  # lost, or a restore cut before its commit
            log.error("broker_log_lost", epoch=self.epoch, acknowledged=sum(acked.values()), held=sum(ends.values()))
            count = restore(self.engine, self.broker, self.epoch)
            print(f"Broker log was lost: republished {count} logged events (epoch {self.epoch + 1}).", flush=True)
            return self.sync()
        for tp, end in sorted(ends.items()):
            if end > acked.get(tp, 0):
                self._check_range(tp, acked.get(tp, 0), end)
        with self.engine.begin() as conn:
            placements.ack(conn, self.epoch, ends)
        self.acked = dict(ends)
        for tp, end in sorted(ends.items()):
            with self.engine.connect() as conn:
                for page in placements.placed_from(conn, self.epoch, tp, end):
                    self.broker.send(page, self.epoch)
                    self._acknowledge(page)
        with self.engine.connect() as conn:
            placed = placements.placed_ends(conn, self.epoch)
        self.next_offsets = {tp: max(self.acked.get(tp, 0), placed.get(tp, 0)) for tp in {*self.acked, *placed}}
        log.info("relay_synced", epoch=self.epoch, partitions=len(ends))
        return None

    def step(self) -> int:
        """Place and send one page of queued events; returns how many were sent."""
        with self.engine.begin() as conn:
            page = placements.place(conn, self.epoch, self.next_offsets, self.partitions)
        if not page:
            return 0
        failpoints.hit("relay_after_place")
        self.broker.send(page, self.epoch)
        failpoints.hit("relay_after_send")
        self._acknowledge(page)
        return len(page)

    def _acknowledge(self, page: Sequence[placements.Placed]) -> None:
        ends: dict[Partition, int] = {}
        for event in page:
            ends[(event.topic, event.partition)] = event.offset + 1
        with self.engine.begin() as conn:
            placements.ack(conn, self.epoch, ends)
        self.acked.update(ends)
        self.sent += len(page)

    def _check_broker(self) -> None:
        """An idle relay still notices a broker that restarted empty (and then restores at once)."""
        ends = self.broker.end_offsets()
        if any(ends.get(tp, 0) < offset for tp, offset in self.acked.items()):
            self.sync()

    def _check_range(self, tp: Partition, start: int, end: int) -> None:
        """Messages past the acknowledged position: ours (sent before a crash) must match their placements;
        any without a placement were written by an older version or another producer and join the log."""
        foreign = []
        messages = list(self.broker.read(tp[0], tp[1], start, end))
        with self.engine.connect() as conn:
            ours = placements.event_ids_at(conn, self.epoch, tp, [m.offset for m in messages])
        for message in messages:
            expected = ours.get(message.offset)
            if expected is None:
                foreign.append(message)
            elif expected != _event_id(message.headers):
                raise Diverged(f"{tp[0]}[{tp[1]}]@{message.offset}: the broker holds another event than was placed")
        if foreign:
            with self.engine.begin() as conn:
                adopt(conn, self.epoch, foreign)
            log.warning("relay_adopted", topic=tp[0], partition=tp[1], events=len(foreign))


def adopt(conn: Connection, epoch: int, messages: Sequence[Any]) -> None:
    """Messages found in the broker but not in the log become log rows placed where they are (not queued)."""
    rows = [_adopted_row(m) for m in messages]
    seqs = [
        seq
        for (seq,) in conn.execute(
            text(
                "INSERT INTO event_log (topic, msg_key, event_type, schema_version, event_id, occurred_at, headers, "
                "payload, logged_ms) SELECT t, k, et, v, id, at, h, b, ms FROM unnest(CAST(:t AS text[]), "
                "CAST(:k AS text[]), CAST(:et AS text[]), CAST(:v AS int[]), CAST(:id AS text[]), "
                "CAST(:at AS text[]), CAST(:h AS jsonb[]), CAST(:b AS bytea[]), CAST(:ms AS bigint[])) "
                "WITH ORDINALITY AS u(t, k, et, v, id, at, h, b, ms, n) ORDER BY n RETURNING seq"
            ),
            {name: [row[i] for row in rows] for i, name in enumerate(_ADOPTED)},
        )
    ]
    conn.execute(text("DELETE FROM event_relay_queue WHERE seq = ANY(:s)"), {"s": seqs})
    placements.record(
        conn,
        epoch,
        [
            placements.Placed(seq, m.topic, m.partition, m.offset, "", [], b"", 0)
            for seq, m in zip(seqs, messages, strict=True)
        ],
    )


def _adopted_row(message: Any) -> tuple[Any, ...]:
    headers = [(k, v) for k, v in (message.headers or []) if v is not None]
    try:
        envelope = Envelope.from_headers(headers)
        kind = (envelope.event_type, envelope.schema_version, envelope.event_id, envelope.occurred_at)
    except EnvelopeError:
        kind = ("", 0, f"{message.topic}[{message.partition}]@{message.offset}", "")
    return (
        message.topic,
        message.key.decode("utf-8", "replace") if message.key else "",
        *kind,
        json.dumps([[k, v.decode("utf-8", "replace")] for k, v in headers]),
        message.value or b"",
        message.timestamp,
    )


def _event_id(headers: Any) -> str:
    try:
        return Envelope.from_headers(headers).event_id
    except EnvelopeError:
        return ""


def _wait_for_notify(connection: Any, timeout: float) -> None:
    """Sleep until the log's trigger NOTIFYs (a commit appended events) or `timeout` passes."""
    if select.select([connection], [], [], timeout) != ([], [], []):
        connection.poll()
        connection.notifies.clear()
