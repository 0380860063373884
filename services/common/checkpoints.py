"""Kafka positions of each projection, kept in PostgreSQL beside the read model they describe.

An offset means something only within a broker epoch (a broker that lost its log is told the log again,
at other offsets), so each checkpoint names its epoch; NULL means not yet known (no message applied).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, text

Position = tuple[int, int | None]  # next offset, broker epoch


def claim(conn: Connection, projection: str, partitions: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Position]:
    """Lock the checkpoint rows of these partitions for this transaction and return their positions.

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
            "SELECT c.topic, c.partition, c.next_offset, c.epoch FROM projection_checkpoints c "
            "JOIN unnest(CAST(:topics AS text[]), CAST(:parts AS int[])) AS u(t, p) "
            "ON c.topic = u.t AND c.partition = u.p WHERE c.projection = :p "
            "ORDER BY c.topic, c.partition FOR UPDATE OF c"
        ),
        params,
    )
    return {(topic, partition): (offset, epoch) for topic, partition, offset, epoch in rows}


def advance(
    conn: Connection,
    projection: str,
    offsets: dict[tuple[str, int], int],
    applied: dict[tuple[str, int], int] | None = None,
    epochs: dict[tuple[str, int], int | None] | None = None,
) -> None:
    """Move the checkpoints (and count the events applied, for metrics) in the read model's transaction;
    a checkpoint whose epoch was not known takes the epoch of the messages that moved it."""
    if not offsets:
        return
    keys = sorted(offsets)
    applied, epochs = applied or {}, epochs or {}
    conn.execute(
        text(
            "UPDATE projection_checkpoints c SET next_offset = u.o, applied = c.applied + u.n, "
            "epoch = coalesce(u.e, c.epoch) "
            "FROM unnest(CAST(:topics AS text[]), CAST(:parts AS int[]), CAST(:offs AS bigint[]), "
            "CAST(:ns AS bigint[]), CAST(:es AS int[])) AS u(t, p, o, n, e) "
            "WHERE c.projection = :p AND c.topic = u.t AND c.partition = u.p"
        ),
        {
            "p": projection,
            "topics": [t for t, _ in keys],
            "parts": [p for _, p in keys],
            "offs": [offsets[k] for k in keys],
            "ns": [applied.get(k, 0) for k in keys],
            "es": [epochs.get(k) for k in keys],
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
    return {key: offset for key, (offset, _) in positions(conn, projection).items()}


def positions(conn: Connection, projection: str) -> dict[tuple[str, int], Position]:
    rows = conn.execute(
        text("SELECT topic, partition, next_offset, epoch FROM projection_checkpoints WHERE projection = :p"),
        {"p": projection},
    )
    return {(topic, partition): (offset, epoch) for topic, partition, offset, epoch in rows}
