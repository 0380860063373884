"""One recipient's events from the durable log, in the order the IMS projector applies them.

The recipient is one key, so one partition: events placed in the current broker epoch come by offset, then
events committed but not placed yet, in log order (the order `history(..., unplaced=True)` gives). Callers
read inside one REPEATABLE READ transaction, so which events belong and in what order is one consistent
view even while the relay places or restores; payloads never change and are fetched by seq, page by page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, text

from services.common.envelope import H_CORRELATION, H_TYPE


@dataclass(frozen=True, slots=True)
class Position:
    seq: int
    partition: int
    offset: int  # in the current epoch; events not placed yet continue after the last placed one
    placed: bool
    occurred_at: str
    headers: list[tuple[str, bytes]]
    size: int

    @property
    def correlation(self) -> str:
        """Events of one request (a filing's or a bulk action's chunks) share it."""
        return self._header(H_CORRELATION)

    @property
    def event_type(self) -> str:
        return self._header(H_TYPE)

    def _header(self, name: str) -> str:
        return next((v.decode() for k, v in self.headers if k == name), "")


def epoch(conn: Connection, live: str) -> int:
    return int(conn.execute(text(f'SELECT max(epoch) FROM "{live}".broker_epochs')).scalar_one())


def anchor(conn: Connection, live: str, current: int, seq: int) -> tuple[int, int] | None:
    """Where the last event a snapshot holds was placed in the current epoch (None: not placed in it)."""
    row = conn.execute(
        text(f'SELECT partition, "offset" FROM "{live}".event_placements WHERE seq = :s AND epoch = :e'),
        {"s": seq, "e": current},
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


_PLACED = """
SELECT l.seq, p.partition, p."offset", l.occurred_at, l.headers, octet_length(l.payload)
FROM "{live}".event_log l JOIN "{live}".event_placements p ON p.seq = l.seq AND p.epoch = :e
WHERE l.topic = :t AND l.msg_key = :r AND (CAST(:at AS text) IS NULL OR l.occurred_at <= :at)
  AND (p.partition, p."offset") > (:ap, :ao)
ORDER BY p.partition, p."offset"
"""

_UNPLACED = """
SELECT l.seq, l.occurred_at, l.headers, octet_length(l.payload)
FROM "{live}".event_relay_queue q JOIN "{live}".event_log l USING (seq)
WHERE l.topic = :t AND l.msg_key = :r AND (CAST(:at AS text) IS NULL OR l.occurred_at <= :at)
ORDER BY l.seq
"""


def positions(
    conn: Connection,
    live: str,
    topic: str,
    recipient: str,
    current: int,
    after: tuple[int, int] | None,
    instant: str | None,
    *,
    unplaced: bool,
) -> list[Position]:
    """The recipient's events after `after` (a placement; None: from the first) that occurred at or before
    `instant` (None: all), placed ones first; with `unplaced`, those the relay has not placed yet follow."""
    params = {"e": current, "t": topic, "r": recipient, "at": instant}
    start = after or (-1, -1)
    found = [
        Position(seq, partition, offset, True, at, _headers(headers), size)
        for seq, partition, offset, at, headers, size in conn.execute(
            text(_PLACED.format(live=live)), params | {"ap": start[0], "ao": start[1]}
        )
    ]
    if unplaced:
        partition, offset = (found[-1].partition, found[-1].offset) if found else start
        for seq, at, headers, size in conn.execute(text(_UNPLACED.format(live=live)), params).all():
            offset += 1
            found.append(Position(seq, max(partition, 0), offset, False, at, _headers(headers), size))
    return found


def _headers(stored: str | list[list[str]]) -> list[tuple[str, bytes]]:
    pairs = json.loads(stored) if isinstance(stored, str) else stored
    return [(k, v.encode()) for k, v in pairs]
