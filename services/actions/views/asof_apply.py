"""Applying a recipient's logged events to a copy of its IMS tables, exactly as the live projector does.

The copy is whatever tables are first on the connection's search path (a snapshot's, or a clone of the
empty template). Events are decoded by the runner's own rule (unknown types: the same setting) and applied
by the IMS projection in pages about the size of one poll of the live consumer.

Statistics: a clone of the empty template has none, so PostgreSQL takes `recipient = ...` for a rare value
and plans the period events' set-based statements (GSTR-2B generation, the clock's checks, GSTR-3B
freezing) as nested loops over the recipient's whole documents (measured: minutes for 22,000 documents).
Such tables are analyzed inside the transaction before a period event that follows new filings; snapshots
are analyzed when they are kept.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, text

from services.actions.projector.projection import ImsProjection
from services.actions.views.asof_log import Position
from services.archive.history import ArchivedMessage
from services.common.codec import Codec
from services.common.envelope import H_EPOCH
from services.common.events import CLOCK_ADVANCED, DOCUMENTS_FILED, GSTR2B_RECOMPUTE_REQUESTED, GSTR3B_FILED, Event
from services.common.ports import Ports
from services.common.runner import Delivered, ProjectionRunner
from services.common.settings import EVENTS_TOPIC

PAGE_BYTES = 16 * 1024 * 1024  # about what one poll of the live consumer hands the projection
PAGE_EVENTS = 2000
PERIOD_EVENTS = frozenset({CLOCK_ADVANCED, GSTR3B_FILED, GSTR2B_RECOMPUTE_REQUESTED})
ANALYZED = ("ims_documents", "ims_counts", "gstr2b_versions", "gstr2b_lines", "ims_periods", "ims_rule37a")


class Replayer:
    def __init__(self, conn: Connection, container: Ports, recipient: str, current: int, *, fresh: bool):
        settings = container.settings
        self.conn, self.live, self.recipient, self.current = conn, settings.db_schema, recipient, current
        self.topic = settings.topic(EVENTS_TOPIC)
        self.runner = ProjectionRunner(
            ImsProjection(self.topic),
            container.engine,
            Codec.from_directories(),
            lambda: None,  # type: ignore[arg-type,return-value]
            skip_unknown=settings.skip_unknown_events,
        )
        self._fresh = fresh  # tables without statistics
        self._filed = False

    def apply(self, positions: Sequence[Position]) -> None:
        for page in self._pages(positions):
            if self._fresh and self._filed and page[0].event_type in PERIOD_EVENTS:
                self.analyze()
            batch = self._delivered(page)
            if batch:
                self.runner.projection.apply(self.conn, batch)
            self._filed |= any(p.event_type == DOCUMENTS_FILED for p in page)

    def analyze(self) -> None:
        self.conn.execute(text(f"ANALYZE {', '.join(ANALYZED)}"))
        self._filed = False

    def _pages(self, positions: Sequence[Position]) -> Iterator[list[Position]]:
        """Runs of at most PAGE_EVENTS events and about PAGE_BYTES of payload; on fresh tables a period
        event also starts a page, so statistics can be taken just before it."""
        page: list[Position] = []
        size = 0
        for position in positions:
            full = size + position.size > PAGE_BYTES or len(page) >= PAGE_EVENTS
            if page and (full or (self._fresh and position.event_type in PERIOD_EVENTS)):
                yield page
                page, size = [], 0
            page.append(position)
            size += position.size
        if page:
            yield page

    def _delivered(self, page: list[Position]) -> list[Delivered[Event]]:
        stored = {
            seq: (bytes(payload), int(logged_ms))
            for seq, payload, logged_ms in self.conn.execute(
                text(f'SELECT seq, payload, logged_ms FROM "{self.live}".event_log WHERE seq = ANY(:s)'),
                {"s": [p.seq for p in page]},
            )
        }
        found = []
        for p in page:
            payload, logged_ms = stored[p.seq]
            headers = [*p.headers, (H_EPOCH, str(self.current).encode())]
            message = ArchivedMessage(
                self.topic,
                p.partition,
                p.offset,
                self.recipient.encode(),
                payload,
                headers,
                logged_ms,
                self.current,
                p.seq,
            )
            decoded = self.runner.decode(message)
            if decoded is not None:
                found.append(decoded)
        return found
