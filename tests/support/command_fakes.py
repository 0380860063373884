"""In-memory command ports (services/actions/commands/ports.py) for the unit tier: documents held by an
`InMemoryDocumentStore`, a clock that says the day it is set to, and an action log that keeps what a
command wrote. `tests/unit/test_commands.py` drives the real handlers with them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.actions.commands.ports import CommandPorts, Key, Selected
from services.actions.domain.model import ImsDocument
from services.actions.views.queries import STATUS_CODES, Selection
from services.common.events import ActionsTakenV1
from tests.support.document_store import InMemoryDocumentStore


class InMemoryDocuments:
    def __init__(self, store: InMemoryDocumentStore):
        self.store = store

    def load(self, keys: Iterable[Key]) -> dict[Key, ImsDocument]:
        return self.store.load(keys)

    def stream(self, selection: Selection) -> Iterator[ImsDocument]:
        """The selection's filters as services/actions/views/queries.py applies them (no number prefix)."""
        wanted = {
            "section": selection.section,
            "supplier": selection.stin,
            "return_period": selection.rtnprd,
            "action": STATUS_CODES[selection.status] if selection.status else None,
        }
        docs = (
            d
            for (recipient, _), d in self.store.documents.items()
            if recipient == selection.recipient
            and d.route == "ims"
            and not d.frozen
            and d.superseded_by is None
            and all(value is None or getattr(d, name) == value for name, value in wanted.items())
        )
        yield from sorted(docs, key=lambda d: (d.section, d.doc_key))

    def select(self, selection: Selection, action: str, remarks: str | None) -> Sequence[Selected]:
        """Proves nothing allowed in advance (that is SQL's shortcut), so the handler checks every document."""
        return [
            Selected(d.section, d.supplier, d.doc_key, d.version_hash, False, False) for d in self.stream(selection)
        ]


@dataclass
class FixedClock:
    day: str = "2025-11-20"

    def today(self, recipient: str) -> str:
        return self.day


@dataclass
class InMemoryActionLog:
    events: list[tuple[str, str, str, ActionsTakenV1]] = field(default_factory=list)  # recipient, reference, actor
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)  # by idempotency key
    unfinished: dict[str, dict[str, Any]] = field(default_factory=dict)  # old bulk answers by reference

    @contextlib.contextmanager
    def earlier(self, idempotency_key: str | None) -> Iterator[dict[str, Any] | None]:
        yield self.answers.get(idempotency_key) if idempotency_key else None

    def resume(self, recipient: str, reference: str, idempotency_key: str) -> dict[str, Any] | None:
        answer = self.unfinished.pop(reference, None)
        if answer is not None:
            self.answers[idempotency_key] = answer
        return answer

    def append(
        self,
        recipient: str,
        reference: str,
        events: Iterable[ActionsTakenV1],
        actor: str,
        answer: dict[str, Any],
        idempotency_key: str | None,
    ) -> None:
        self.events.extend((recipient, reference, actor, e) for e in events)
        if idempotency_key:
            self.answers[idempotency_key] = answer


def in_memory_ports(*documents: ImsDocument, today: str = "2025-11-20") -> CommandPorts:
    store = InMemoryDocumentStore()
    store.save(documents, [])
    return CommandPorts(InMemoryDocuments(store), FixedClock(today), InMemoryActionLog())
