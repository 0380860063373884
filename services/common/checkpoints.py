"""Kafka positions of each projection, kept in PostgreSQL beside the read model they describe."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text


def claim(conn: Connection, projection: str, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], int]:
    """Lock the checkpoint rows of these partitions for this transaction and return their next offsets.

    The row lock serialises two consumers that briefly own one partition during a rebalance: the second
    waits, then sees the advanced offset and skips what the first applied.
    """
    keys = sorted(set(partitions))
    if not keys:
        return {}
    params = {"p": projection, "topics": [t for t, _ in keys], "parts": [p for _, p in keys]}
    conn.execute(
        text(
            "INSERT INTO projection_checkpoints (projection, topic, partition, next_offset) "
            "SELECT :p, t, p, 0 FROM unnest(CAST(:topics AS text[]), CAST(:parts AS int[])) AS u(t, p) "
            "ON CONFLICT DO NOTHING"
        ),
        params,
    )
    rows = conn.execute(
        text(
            "SELECT c.topic, c.partition, c.next_offset FROM projection_checkpoints c "
            "JOIN unnest(CAST(:topics AS text[]), CAST(:parts AS int[])) AS u(t, p) "
            "ON c.topic = u.t AND c.partition = u.p WHERE c.projection = :p "
            "ORDER BY c.topic, c.partition FOR UPDATE OF c"
        ),
        params,
    )
    return {(topic, partition): offset for topic, partition, offset in rows}


def advance(
    conn: Connection,
    projection: str,
    offsets: dict[tuple[str, int], int],
    applied: dict[tuple[str, int], int] | None = None,
) -> None:
    """Move the checkpoints (and count the events applied, for metrics) in the read model's transaction."""
    if not offsets:
        return
    keys = sorted(offsets)
    applied = applied or {}
    conn.execute(
        text(
            "UPDATE projection_checkpoints c SET next_offset = u.o, applied = c.applied + u.n "
            "FROM unnest(CAST(:topics AS text[]), CAST(:parts AS int[]), CAST(:offs AS bigint[]), "
            "CAST(:ns AS bigint[])) AS u(t, p, o, n) "
            "WHERE c.projection = :p AND c.topic = u.t AND c.partition = u.p"
        ),
        {
            "p": projection,
            "topics": [t for t, _ in keys],
            "parts": [p for _, p in keys],
            "offs": [offsets[k] for k in keys],
            "ns": [applied.get(k, 0) for k in keys],
        },
    )


def record_fault(conn: Connection, projection: str, topic: str, partition: int, offset: int, reason: str) -> None:
    conn.execute(
        text(
            'INSERT INTO projection_faults (projection, topic, partition, "offset", reason) '
            "VALUES (:p, :t, :n, :o, :r) ON CONFLICT (projection, topic, partition) "
            'DO UPDATE SET "offset" = excluded."offset", reason = excluded.reason'
        ),
        {"p": projection, "t": topic, "n": partition, "o": offset, "r": reason[:1000]},
    )


def stored(conn: Connection, projection: str) -> dict[tuple[str, int], int]:
    rows = conn.execute(
        text("SELECT topic, partition, next_offset FROM projection_checkpoints WHERE projection = :p"),
        {"p": projection},
    )
    return {(topic, partition): offset for topic, partition, offset in rows}
