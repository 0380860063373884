"""The document store port of the IMS projector, twice: in memory for the unit tier, and bound to a
PostgreSQL connection over `services/actions/projector/store.py` for the contract suite that holds both
to the same behaviour (tests/contract/test_document_store.py).

The port is what a projector batch asks of its store: documents loaded by (recipient, doc_key), written
back with removals, dashboard counts kept as deltas (a count that reaches zero leaves no row) or rebuilt
from the documents, history and refusal rows appended, and outbox rows keyed by (cause event, supplier).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, text

from services.actions.domain.model import ImsDocument
from services.actions.projector import store
from services.common.events import SupplierNotifiedV1

Key = tuple[str, str]
CountKey = tuple[str, str, str]  # return period, section, action


class InMemoryDocumentStore:
    def __init__(self) -> None:
        self.documents: dict[Key, ImsDocument] = {}
        self.count_rows: Counter[tuple[str, str, str, str]] = Counter()
        self.history: list[list[Any]] = []
        self.refusals: list[list[Any]] = []
        self.outbox_rows: dict[tuple[str, str], tuple[str, str, str, dict[str, Any]]] = {}

    def load(self, keys: Iterable[Key]) -> dict[Key, ImsDocument]:
        return {key: replace(self.documents[key]) for key in set(keys) if key in self.documents}

    def recipients_holding(self, recipients: Iterable[str]) -> set[str]:
        return set(recipients) & {r for r, _ in self.documents}

    def save(self, documents: Sequence[ImsDocument], removed: Sequence[Key], new: Sequence[ImsDocument] = ()) -> None:
        for doc in new:
            key = (doc.recipient, doc.doc_key)
            if key in self.documents:
                raise KeyError(f"{key} is not new: the table holds it")
            self.documents[key] = replace(doc)
        for key in removed:
            self.documents.pop(key, None)
        for doc in documents:
            self.documents[(doc.recipient, doc.doc_key)] = replace(doc)

    def adjust_counts(self, deltas: dict[tuple[str, str, str, str], int]) -> None:
        changed = {k: v for k, v in deltas.items() if v}
        self.count_rows.update(changed)
        self.drop_zero_counts({k[0] for k in changed})

    def drop_zero_counts(self, recipients: Iterable[str]) -> None:
        wanted = set(recipients)
        for key in [k for k, n in self.count_rows.items() if k[0] in wanted and n == 0]:
            del self.count_rows[key]

    def recount(self, recipient: str) -> None:
        for key in [k for k in self.count_rows if k[0] == recipient]:
            del self.count_rows[key]
        self.count_rows.update(d.count_key for d in self.documents.values() if d.recipient == recipient and d.counted)

    def append_history(self, rows: Sequence[Sequence[Any]]) -> None:
        self.history.extend(list(row) for row in rows)

    def append_refusals(self, rows: Sequence[Sequence[Any]]) -> None:
        self.refusals.extend(list(row) for row in rows)

    def add_outbox(self, notifications: Sequence[SupplierNotifiedV1]) -> None:
        for n in notifications:
            self.outbox_rows.setdefault(
                (n.cause_event_id, n.supplier), (n.cause_event_id, n.supplier, n.recipient, n.to_record())
            )

    def counts(self, recipient: str) -> dict[CountKey, int]:
        return {k[1:]: n for k, n in self.count_rows.items() if k[0] == recipient}

    def outbox(self, recipient: str) -> list[tuple[str, str, dict[str, Any]]]:
        return sorted((e, s, r) for e, s, rcp, r in self.outbox_rows.values() if rcp == recipient)

    def as_module(self) -> SimpleNamespace:
        """The projector's `store` module (functions taking a connection) over this store, so a real
        `Batch` runs against it: `mock.patch.object(batch, "store", fake.as_module())`."""
        return SimpleNamespace(
            load=lambda _conn, keys: self.load(keys),
            recipients_holding=lambda _conn, recipients: self.recipients_holding(recipients),
            save=lambda _conn, documents, removed, new=(): self.save(documents, removed, new),
            adjust_counts=lambda _conn, deltas: self.adjust_counts(deltas),
            append_history=lambda _conn, rows: self.append_history(rows),
            append_refusals=lambda _conn, rows: self.append_refusals(rows),
            add_outbox=lambda _conn, rows: self.add_outbox(rows),
        )


class PostgresDocumentStore:
    """The same port over the real adapter, inside one connection's transaction."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def load(self, keys: Iterable[Key]) -> dict[Key, ImsDocument]:
        return store.load(self.conn, keys)

    def recipients_holding(self, recipients: Iterable[str]) -> set[str]:
        return store.recipients_holding(self.conn, recipients)

    def save(self, documents: Sequence[ImsDocument], removed: Sequence[Key], new: Sequence[ImsDocument] = ()) -> None:
        store.save(self.conn, documents, removed, new)

    def adjust_counts(self, deltas: dict[tuple[str, str, str, str], int]) -> None:
        store.adjust_counts(self.conn, deltas)

    def drop_zero_counts(self, recipients: Iterable[str]) -> None:
        store.drop_zero_counts(self.conn, sorted(recipients))

    def recount(self, recipient: str) -> None:
        store.recount(self.conn, recipient)

    def append_history(self, rows: Sequence[Sequence[Any]]) -> None:
        store.append_history(self.conn, rows)

    def append_refusals(self, rows: Sequence[Sequence[Any]]) -> None:
        store.append_refusals(self.conn, rows)

    def add_outbox(self, notifications: Sequence[SupplierNotifiedV1]) -> None:
        store.add_outbox(self.conn, notifications)

    def counts(self, recipient: str) -> dict[CountKey, int]:
        rows = self.conn.execute(
            text("SELECT return_period, section, action, n FROM ims_counts WHERE recipient = :r"), {"r": recipient}
        )
        return {(p, s, a): int(n) for p, s, a, n in rows}

    def outbox(self, recipient: str) -> list[tuple[str, str, dict[str, Any]]]:
        rows = self.conn.execute(
            text("SELECT cause_event_id, supplier, record FROM notification_outbox WHERE recipient = :r"),
            {"r": recipient},
        )
        return sorted((e, s, r if isinstance(r, dict) else json.loads(r)) for e, s, r in rows)
