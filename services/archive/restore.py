"""Broker-loss recovery: the log is PostgreSQL's, so a broker that forgot it is simply told again.

The relay finds a partition whose end is below what the broker had acknowledged: the broker lost its log
(the embedded one keeps it in memory). Every event placed in the current epoch, acknowledged or not, is
sent again to its partition in the same order, under a new epoch; the new placements, the epoch and every
projection's checkpoint (moved to the new offset of the first event it had not applied) are committed in
one transaction that holds the checkpoint rows, so a running projector sees either the old positions or
the new ones. Projectors hold back messages of an epoch newer than their checkpoint's
(`services/common/runner.py`), so they resume exactly where they were, whatever they had buffered.

A restore interrupted part-way (the broker died again, the relay was killed) is resumed: a partition that
already holds a prefix of the sequence keeps it and gets the rest; one that holds anything else is refused.
"""

from __future__ import annotations

import structlog
from sqlalchemy import Connection, Engine, text

from services.archive import placements
from services.archive.broker import Broker, Diverged, Partition, Placed
from services.common import failpoints
from services.common.envelope import Envelope

log = structlog.get_logger()


def restore(engine: Engine, broker: Broker, epoch: int) -> int:
    """Republish epoch `epoch` as epoch + 1; returns the number of events sent."""
    new_epoch = epoch + 1
    broker.close_writer()  # its producer id belongs to the broker that was lost
    broker.ensure_topics()
    ends = broker.end_offsets()
    with engine.connect() as conn:
        sources = sorted(placements.placed_ends(conn, epoch))
    moved: list[Placed] = []
    sent = 0
    for tp in sources:
        start = ends.get(tp, 0)
        position = 0
        with engine.connect() as conn:
            for page in placements.placed_from(conn, epoch, tp, 0):
                again = [_moved(p, position + i) for i, p in enumerate(page)]
                position += len(page)
                kept = [p for p in again if p.offset < start]
                if kept:
                    _check_prefix(broker, tp, kept)
                fresh = [p for p in again if p.offset >= start]
                broker.send(fresh, new_epoch)
                sent += len(fresh)
                failpoints.hit("restore_after_page")
                moved.extend(_slim(p) for p in again)
        if start > position:
            raise Diverged(f"{tp[0]}[{tp[1]}] holds {start} messages, more than the {position} the log placed there")
    ends_after = {(p.topic, p.partition): p.offset + 1 for p in moved}
    failpoints.hit("restore_before_commit")
    with engine.begin() as conn:
        conn.execute(
            text("SELECT 1 FROM projection_checkpoints WHERE topic = ANY(:t) FOR UPDATE"),
            {"t": list(broker.topics)},
        )
        conn.execute(
            text("INSERT INTO broker_epochs (epoch, begun_on) VALUES (:e, :why)"),
            {"e": new_epoch, "why": f"broker lost its log; {len(moved)} logged events republished"},
        )
        placements.record(conn, new_epoch, moved)
        placements.ack(conn, new_epoch, {**{tp: 0 for tp in ends}, **ends_after})
        _move_checkpoints(conn, epoch, new_epoch, list(broker.topics))
    log.info("broker_log_restored", epoch=new_epoch, events=len(moved), sent=sent)
    return len(moved)


def _moved(event: Placed, offset: int) -> Placed:
    return Placed(
        event.seq, event.topic, event.partition, offset, event.key, event.headers, event.payload, event.timestamp_ms
    )


def _slim(event: Placed) -> Placed:
    """What the new placements need, without the payload (a restore may move millions of documents)."""
    return Placed(event.seq, event.topic, event.partition, event.offset, "", [], b"", 0)


def _check_prefix(broker: Broker, tp: Partition, kept: list[Placed]) -> None:
    """An earlier, interrupted restore left these in the new broker: they must be exactly our events."""
    wanted = {p.offset: Envelope.from_headers(p.headers).event_id for p in kept}
    found = {
        m.offset: Envelope.from_headers(m.headers).event_id
        for m in broker.read(tp[0], tp[1], kept[0].offset, kept[-1].offset + 1)
    }
    if found != wanted:
        raise Diverged(f"{tp[0]}[{tp[1]}] holds messages the log does not explain; refusing to republish")


def _move_checkpoints(conn: Connection, epoch: int, new_epoch: int, topics: list[str]) -> None:
    """Each checkpoint moves to the new offset of the first event at or after it; past the last, to the end."""
    conn.execute(
        text(
            """
            UPDATE projection_checkpoints c SET epoch = :n, next_offset = coalesce(
                (SELECT p2."offset" FROM event_placements p1
                 JOIN event_placements p2 ON p2.seq = p1.seq AND p2.epoch = :n
                 WHERE p1.epoch = :e AND p1.topic = c.topic AND p1.partition = c.partition
                   AND p1."offset" >= c.next_offset
                 ORDER BY p1."offset" LIMIT 1),
                (SELECT a.next_offset FROM relay_acks a
                 WHERE a.epoch = :n AND a.topic = c.topic AND a.partition = c.partition),
                0)
            WHERE c.topic = ANY(:t) AND coalesce(c.epoch, :e) = :e
            """
        ),
        {"e": epoch, "n": new_epoch, "t": topics},
    )
