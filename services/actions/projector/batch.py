"""The unit of work of one projector batch: documents cached in memory, written back set-based.

Every document a batch can touch is loaded in one query up front; events are then decided one by one in
log order in memory, and the result is written with COPY: documents the table did not hold when loaded
straight into it (the checkpoint rows this transaction locked keep any other projector of these partitions
out), the others through a staging table and a single merge. Counts are kept as deltas
of the documents' (period, section, action) before and after, so a 1,000,000-document recipient's
dashboard is a small table read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from services.actions.domain.model import ImsDocument
from services.actions.projector import store
from services.common.events import Event, SupplierNotifiedV1
from services.common.runner import Delivered

Key = tuple[str, str]
POSITION_SCALE = 1_000_000
PROBE_FROM = 1_000  # keys loaded at once from which recipients holding no document are found first


def position(message: Delivered[Event], index: int = 0) -> int:
    """A total order of everything one partition did: offset, then the item's place in the event."""
    return message.offset * POSITION_SCALE + index


class Batch:
    def __init__(self, conn: Connection):
        self.conn = conn
        self.state: dict[Key, ImsDocument | None] = {}
        self.dirty: set[Key] = set()
        self.absent: set[Key] = set()  # keys the table did not hold when loaded, not written since
        self.deltas: Counter[tuple[str, str, str, str]] = Counter()
        self.history: list[list[Any]] = []
        self.refusals: list[list[Any]] = []
        self.outbox: list[SupplierNotifiedV1] = []  # one per (applied action event, supplier)
        self.quarterly: dict[str, bool] = {}  # recipients' filing profiles, for pending windows

    def preload(self, keys: set[Key]) -> None:
        missing = {k for k in keys if k not in self.state}
        wanted = missing
        if len(missing) >= PROBE_FROM:
            holding = store.recipients_holding(self.conn, {r for r, _ in missing})
            wanted = {k for k in missing if k[0] in holding}
        found = store.load(self.conn, wanted)
        for key in missing:
            document = self.state[key] = found.get(key)
            if document is None:
                self.absent.add(key)

    def get(self, key: Key) -> ImsDocument | None:
        if key not in self.state:
            self.preload({key})
        return self.state[key]

    def put(self, key: Key, document: ImsDocument | None) -> None:
        old = self.get(key)
        if old is not None and old.counted:
            self.deltas[old.count_key] -= 1
        if document is not None and document.counted:
            self.deltas[document.count_key] += 1
        self.state[key] = document
        self.dirty.add(key)

    def note(self, message: Delivered[Event], index: int, key: Key, what: str, detail: dict[str, Any]) -> None:
        envelope = message.envelope
        self.history.append(
            [
                key[0],
                key[1],
                position(message, index),
                envelope.event_id,
                envelope.event_type,
                envelope.occurred_at,
                envelope.actor,
                what,
                detail,
            ]
        )

    def refuse(
        self, message: Delivered[Event], index: int, reference: str, key: Key, section: str, code: str, text: str
    ) -> None:
        self.refusals.append([reference, key[0], key[1], section, code, text, position(message, index)])

    def flush(self) -> None:
        dirty = sorted(self.dirty)
        new = [d for k in dirty if (d := self.state[k]) is not None and k in self.absent]
        documents = [d for k in dirty if (d := self.state[k]) is not None and k not in self.absent]
        removed = [k for k in dirty if self.state[k] is None and k not in self.absent]
        store.save(self.conn, documents, removed, new)
        self.absent.difference_update(self.dirty)
        store.adjust_counts(self.conn, dict(self.deltas))
        store.append_history(self.conn, self.history)
        store.append_refusals(self.conn, self.refusals)
        store.add_outbox(self.conn, self.outbox)
        self.dirty.clear()
        self.deltas.clear()
        self.history.clear()
        self.refusals.clear()
        self.outbox.clear()

    def discard(self, keys: Iterable[Key]) -> None:
        """Drop cached documents another write changed (flushed first), reloading them on use."""
        for key in keys:
            self.state.pop(key, None)
            self.absent.discard(key)

    def forget(self, recipient: str) -> None:
        """Drop cached documents of a recipient after a set-based SQL change, reloading them on use."""
        for key in [k for k in self.state if k[0] == recipient]:
            del self.state[key]
            self.absent.discard(key)
