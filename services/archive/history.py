"""The logged history of topics in the broker's order, each event at its offset in the current epoch.

Replay and restore read it placed (events the relay has placed in the current epoch, so every offset
lines up with the checkpoints of running projections); the as-of views also take the events not placed
yet (committed moments ago), after the placed ones, in log order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, text

from services.common.envelope import H_EPOCH

PAGE = 5000


@dataclass(frozen=True, slots=True)
class ArchivedMessage:
    """A logged event shaped like a consumed Kafka message, so the runner applies it unchanged."""

    topic: str
    partition: int
    offset: int  # in the current epoch; -1 for an event not placed yet
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    timestamp: int
    epoch: int
    seq: int


def current_epoch(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT max(epoch) FROM broker_epochs")).scalar_one())


_PLACED = """
SELECT p.topic, p.partition, p."offset", l.msg_key, l.payload, l.headers, l.logged_ms, l.seq
FROM event_placements p JOIN event_log l USING (seq)
WHERE p.epoch = :cur AND p.topic = ANY(:topics) {extra}
  AND (p.topic, p.partition, p."offset") > (:t, :p, :o)
ORDER BY p.topic, p.partition, p."offset"
LIMIT :n
"""

_UNPLACED = """
SELECT l.topic, -1, -1, l.msg_key, l.payload, l.headers, l.logged_ms, l.seq
FROM event_relay_queue q JOIN event_log l USING (seq)
WHERE l.topic = ANY(:topics) {extra} AND l.seq > :s
ORDER BY l.seq
LIMIT :n
"""


def history(
    engine: Engine, topics: list[str], extra: str = "", *, unplaced: bool = False, **params: object
) -> Iterator[ArchivedMessage]:
    """`extra` filters on the log row `l` (e.g. `AND l.msg_key = :k`); with `unplaced`, events still
    queued for the relay follow (offset -1), in log order."""
    cur = current_epoch(engine)
    after: tuple[str, int, int] = ("", -1, -1)
    query = text(_PLACED.format(extra=extra))
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                query, {"cur": cur, "topics": topics, "t": after[0], "p": after[1], "o": after[2], "n": PAGE, **params}
            ).all()
        yield from (_message(row, cur) for row in rows)
        if len(rows) < PAGE:
            break
        after = (rows[-1][0], rows[-1][1], rows[-1][2])
    if not unplaced:
        return
    last = 0
    query = text(_UNPLACED.format(extra=extra))
    while True:
        with engine.connect() as conn:
            rows = conn.execute(query, {"topics": topics, "s": last, "n": PAGE, **params}).all()
        yield from (_message(row, cur) for row in rows)
        if len(rows) < PAGE:
            return
        last = rows[-1][7]


def _message(row: tuple, epoch: int) -> ArchivedMessage:  # type: ignore[type-arg]
    topic, partition, offset, key, payload, headers, ts, seq = row
    return ArchivedMessage(
        topic,
        partition,
        offset,
        key.encode(),
        bytes(payload),
        [*((k, v.encode()) for k, v in headers), (H_EPOCH, str(epoch).encode())],
        ts,
        epoch,
        seq,
    )
