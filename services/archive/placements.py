"""Where each logged event sits in the broker: placements per epoch, and how far the broker acknowledged.

A placement is written before its event is sent, in the transaction that takes the event off the relay's
queue, so an event that reached the broker always has one. `relay_acks` says up to which offset the
broker confirmed them; placements above it are re-sent (or found already there) when the relay resumes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, text

from services.archive.broker import Partition, Placed, partition_for

PAGE_ROWS = 2000
PAGE_BYTES = 32 * 1024 * 1024


def current_epoch(conn: Connection) -> int:
    return int(conn.execute(text("SELECT max(epoch) FROM broker_epochs")).scalar_one())


def acked(conn: Connection, epoch: int) -> dict[Partition, int]:
    rows = conn.execute(text("SELECT topic, partition, next_offset FROM relay_acks WHERE epoch = :e"), {"e": epoch})
    return {(t, p): o for t, p, o in rows}


def placed_ends(conn: Connection, epoch: int) -> dict[Partition, int]:
    rows = conn.execute(
        text(
            'SELECT topic, partition, max("offset") + 1 FROM event_placements WHERE epoch = :e '
            "GROUP BY topic, partition"
        ),
        {"e": epoch},
    )
    return {(t, p): o for t, p, o in rows}


def ack(conn: Connection, epoch: int, positions: dict[Partition, int]) -> None:
    """Acknowledged positions only move forward."""
    if not positions:
        return
    keys = sorted(positions)
    conn.execute(
        text(
            "INSERT INTO relay_acks (epoch, topic, partition, next_offset) "
            "SELECT :e, t, p, o FROM unnest(CAST(:t AS text[]), CAST(:p AS int[]), CAST(:o AS bigint[])) AS u(t, p, o) "
            "ON CONFLICT (epoch, topic, partition) DO UPDATE "
            "SET next_offset = greatest(relay_acks.next_offset, excluded.next_offset)"
        ),
        {"e": epoch, "t": [k[0] for k in keys], "p": [k[1] for k in keys], "o": [positions[k] for k in keys]},
    )


def place(conn: Connection, epoch: int, next_offsets: dict[Partition, int], partitions: dict[str, int]) -> list[Placed]:
    """Take the oldest queued events (up to a page), give each the next offset of its key's partition and
    record it; the caller sends them after this transaction commits. `next_offsets` moves on."""
    queued = conn.execute(
        text(
            "SELECT q.seq, l.topic, l.msg_key, octet_length(l.payload) FROM event_relay_queue q "
            "JOIN event_log l USING (seq) ORDER BY q.seq LIMIT :n"
        ),
        {"n": PAGE_ROWS},
    ).all()
    chosen: list[tuple[int, str, str]] = []
    size = 0
    for seq, topic, key, length in queued:
        if chosen and size + length > PAGE_BYTES:
            break
        chosen.append((seq, topic, key))
        size += length
    if not chosen:
        return []
    bodies = {
        seq: (headers, bytes(payload), logged_ms)
        for seq, headers, payload, logged_ms in conn.execute(
            text("SELECT seq, headers, payload, logged_ms FROM event_log WHERE seq = ANY(:s)"),
            {"s": [c[0] for c in chosen]},
        )
    }
    placed = []
    for seq, topic, key in chosen:
        partition = partition_for(key, partitions[topic])
        offset = next_offsets.get((topic, partition), 0)
        next_offsets[(topic, partition)] = offset + 1
        headers, payload, logged_ms = bodies[seq]
        placed.append(Placed(seq, topic, partition, offset, key, _headers(headers), payload, logged_ms))
    record(conn, epoch, placed)
    conn.execute(text("DELETE FROM event_relay_queue WHERE seq = ANY(:s)"), {"s": [p.seq for p in placed]})
    return placed


def record(conn: Connection, epoch: int, placed: Sequence[Placed]) -> None:
    conn.execute(
        text(
            'INSERT INTO event_placements (epoch, topic, partition, "offset", seq) '
            "SELECT :e, * FROM unnest(CAST(:t AS text[]), CAST(:p AS int[]), CAST(:o AS bigint[]), "
            "CAST(:s AS bigint[]))"
        ),
        {
            "e": epoch,
            "t": [p.topic for p in placed],
            "p": [p.partition for p in placed],
            "o": [p.offset for p in placed],
            "s": [p.seq for p in placed],
        },
    )


_PLACED = """
SELECT p.seq, p.topic, p.partition, p."offset", l.msg_key, l.headers, l.payload, l.logged_ms
FROM event_placements p JOIN event_log l USING (seq)
WHERE p.epoch = :e AND p.topic = :t AND p.partition = :p AND p."offset" >= :o
ORDER BY p."offset" LIMIT :n
"""


def placed_from(conn: Connection, epoch: int, tp: Partition, start: int) -> Iterator[list[Placed]]:
    """Pages of the placements of one partition from `start` on, in offset order."""
    after = start
    while True:
        rows = conn.execute(text(_PLACED), {"e": epoch, "t": tp[0], "p": tp[1], "o": after, "n": 500}).all()
        if not rows:
            return
        yield [
            Placed(seq, topic, partition, offset, key, _headers(headers), bytes(payload), logged_ms)
            for seq, topic, partition, offset, key, headers, payload, logged_ms in rows
        ]
        after = rows[-1][3] + 1


def event_ids_at(conn: Connection, epoch: int, tp: Partition, offsets: Sequence[int]) -> dict[int, str]:
    rows = conn.execute(
        text(
            'SELECT p."offset", l.event_id FROM event_placements p JOIN event_log l USING (seq) '
            'WHERE p.epoch = :e AND p.topic = :t AND p.partition = :p AND p."offset" = ANY(:o)'
        ),
        {"e": epoch, "t": tp[0], "p": tp[1], "o": list(offsets)},
    )
    return dict(rows.all())


def _headers(stored: Any) -> list[tuple[str, bytes]]:
    return [(k, v.encode()) for k, v in stored]
