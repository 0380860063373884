"""The archived history of topics in log order, with each event's offset in the broker's current epoch.

Offsets restart when a lost broker log is republished (a new epoch); `restored_offsets` says where each
archived event landed, so history read from here lines up with the checkpoints of running projections.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, text

PAGE = 5000


@dataclass(frozen=True, slots=True)
class ArchivedMessage:
    """An archived record shaped like a consumed Kafka message, so the runner applies it unchanged."""

    topic: str
    partition: int
    offset: int  # in the current epoch
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    timestamp: int
    epoch: int
    original_offset: int


def current_epoch(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT max(epoch) FROM broker_epochs")).scalar_one())


_HISTORY = """
SELECT * FROM (
    SELECT a.topic, a.partition,
           CASE WHEN a.epoch = :cur THEN a."offset" ELSE r.new_offset END AS cur_offset,
           a.msg_key, a.payload, a.headers, a.broker_ts, a.epoch, a."offset" AS original_offset,
           a.occurred_at
    FROM event_archive a
    LEFT JOIN restored_offsets r ON r.epoch = :cur AND r.topic = a.topic AND r.partition = a.partition
         AND r.src_epoch = a.epoch AND r.src_offset = a."offset"
    WHERE a.topic = ANY(:topics) AND (a.epoch = :cur OR r.new_offset IS NOT NULL) {extra}
) h
WHERE (topic, partition, cur_offset) > (:t, :p, :o)
ORDER BY topic, partition, cur_offset
LIMIT :n
"""


def history(engine: Engine, topics: list[str], extra: str = "", **params: object) -> Iterator[ArchivedMessage]:
    cur = current_epoch(engine)
    after: tuple[str, int, int] = ("", -1, -1)
    query = text(_HISTORY.format(extra=extra))
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                query,
                {
                    "cur": cur,
                    "topics": topics,
                    "t": after[0],
                    "p": after[1],
                    "o": after[2],
                    "n": PAGE,
                    **params,
                },
            ).all()
        for topic, partition, offset, key, payload, headers, ts, epoch, original, _ in rows:
            yield ArchivedMessage(
                topic,
                partition,
                offset,
                key.encode(),
                bytes(payload),
                [(k, v.encode()) for k, v in headers],
                ts,
                epoch,
                original,
            )
        if len(rows) < PAGE:
            return
        after = (rows[-1][0], rows[-1][1], rows[-1][2])
