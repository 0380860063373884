"""As-of views: a recipient's IMS as it stood at an instant, from a snapshot plus the tail of the log.

The state at an instant is the IMS projection applied to the recipient's events, in the projector's order,
that occurred at or before it. A snapshot that holds the recipient's first N events, none of which occurred
after the instant, is that state after N (`services/actions/views/snapshots.py`); the view applies the events
after those N that occurred by the instant. It works inside one transaction on the snapshot's own tables
and rolls it back after the answer: nothing is copied, and a process killed mid-call leaves nothing, since
PostgreSQL undoes the transaction of a session whose client went away (checked every second). Without a
usable snapshot the view clones the empty template inside that transaction and applies from the first event.

At most `IMS_ASOF_CONCURRENCY` views run at once in an API process; the next is refused with `Busy`.
"""

from __future__ import annotations

import contextlib
import math
import statistics
import threading
import time
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import Connection, text

from services.actions.views import asof_log, snapshots
from services.actions.views.asof_apply import Replayer
from services.common import failpoints
from services.common.ports import Ports
from services.common.settings import EVENTS_TOPIC

APPLICATION_NAME = "ims-asof"


def session_name(live: str) -> str:
    """The application name of a view's database session while it runs (operators and tests find it so)."""
    return f"{APPLICATION_NAME} {live}"[:63]


def parse_instant(value: str) -> str:
    """ISO-8601 instant, normalised to UTC text comparable with the envelope's occurred-at."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("as_of: include a time zone, e.g. 2025-11-20T10:00:00+05:30")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class Busy(RuntimeError):
    """As many as-of views as allowed are running; try again after `retry_after` seconds."""

    def __init__(self, limit: int, retry_after: int):
        super().__init__(f"as_of: {limit} as-of view(s) already running; retry after {retry_after} s")
        self.retry_after = retry_after


class Gate:
    """Admits at most `limit` views at once, never queueing: a queued audit query would hold an HTTP worker."""

    def __init__(self, limit: int):
        self.limit = max(1, limit)
        self._slots = threading.BoundedSemaphore(self.limit)
        self._recent: deque[float] = deque(maxlen=20)

    @contextlib.contextmanager
    def enter(self) -> Iterator[None]:
        if not self._slots.acquire(blocking=False):
            raise Busy(self.limit, self.retry_after())
        started = time.monotonic()
        try:
            yield
        finally:
            self._recent.append(time.monotonic() - started)
            self._slots.release()

    def retry_after(self) -> int:
        """Seconds until a slot is likely free: the median duration of recent views, at least one."""
        return max(1, math.ceil(statistics.median(self._recent))) if self._recent else 1


@contextlib.contextmanager
def as_of(container: Ports, recipient: str, instant: str, *, from_snapshots: bool = True) -> Iterator[Connection]:
    """A connection whose search path shows the recipient's IMS tables as they stood at `instant` (UTC
    text from `parse_instant`). `from_snapshots=False` always starts from the first event (the reference
    the snapshots are tested against)."""
    settings = container.settings
    live, topic = settings.db_schema, settings.topic(EVENTS_TOPIC)
    snapshots.ensure_template(container.engine, live)
    with container.engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        transaction = conn.begin()
        try:
            conn.execute(text("SELECT set_config('application_name', :n, true)"), {"n": session_name(live)})
            conn.execute(text("SET LOCAL client_connection_check_interval = '1s'"))
            current = asof_log.epoch(conn, live)
            start = _snapshot(conn, live, recipient, instant, current) if from_snapshots else None
            if start is None:
                schema, after = snapshots.new_name(live, None), None
                snapshots.clone_template(conn, live, schema)
            else:
                schema, after = start
            tail = asof_log.positions(conn, live, topic, recipient, current, after, instant, unplaced=True)
            if tail and start is not None:  # another view's tail on the same tables would wait on its rows
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": snapshots.lock_key(schema + "/tail")})
            conn.execute(text(f'SET LOCAL search_path TO "{schema}"'))
            Replayer(conn, container, recipient, current, fresh=start is None).apply(tail)
            failpoints.stall("asof_view")  # tests: a view under way, holding its tables
            yield conn
        finally:
            transaction.rollback()


def _snapshot(
    conn: Connection, live: str, recipient: str, instant: str, current: int
) -> tuple[str, tuple[int, int]] | None:
    """The latest snapshot usable at the instant, held for this transaction, with the placement after
    which its tail starts."""
    revision = snapshots.revision(conn, live)
    for found in snapshots.candidates(conn, live, recipient, instant):
        if snapshots.hold(conn, found, revision):
            after = asof_log.anchor(conn, live, current, found.last_seq)
            if after is not None:
                return found.schema, after
    return None
