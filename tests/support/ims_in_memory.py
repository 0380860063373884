"""The IMS projector's filing path with no servers: `DocumentsFiled` events applied by the real handler
(services/actions/projector/filed.py) through a real `Batch` over the in-memory document store, and actions
decided by the domain functions the projector calls. For unit tests of what a sequence of filings does to
a recipient's documents, counts and history (amendment chains, supersession, replacement, deletion).
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from unittest import mock

from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import ActionRequest, ImsDocument
from services.actions.projector import batch as batch_module
from services.actions.projector import filed
from services.actions.projector.batch import Batch
from services.common.envelope import Envelope
from services.common.events import DocumentsFiledV2
from services.common.runner import Delivered
from tests.support.document_store import InMemoryDocumentStore
from tests.support.ims_documents import RECIPIENT, filed_record


class InMemoryIms:
    def __init__(self, recipient: str = RECIPIENT, quarterly: bool = False, store: InMemoryDocumentStore | None = None):
        self.recipient, self.quarterly = recipient, quarterly
        self.store = store or InMemoryDocumentStore()
        self._offsets = itertools.count()

    def file(self, *documents: ImsDocument, deleted: bool = False) -> list[tuple[str, str]]:
        """One supplier filing (or save) reporting `documents`, its status, day and period those of the
        first; returns the (doc_key, error code) refusals it left."""
        first = documents[0]
        offset = next(self._offsets)
        record = {
            "recipient": self.recipient,
            "status": first.filing_status,
            "filed_on": first.filed_on,
            "reference_id": f"ref-{offset}",
            "form": first.source_form,
            "filer": first.supplier,
            "chunk": 0,
            "chunks": 1,
            "return_period": first.return_period,
            "documents": [filed_record(doc, deleted) for doc in documents],
        }
        envelope = Envelope("DocumentsFiled", 2, event_id=f"event-{offset}", occurred_at=f"2025-12-01T00:00:{offset}")
        message = Delivered(
            "ims.events", 0, offset, self.recipient, envelope, DocumentsFiledV2.from_record(record), b"", (), 0
        )
        before = len(self.store.refusals)
        with mock.patch.object(batch_module, "store", self.store.as_module()):
            work = Batch(None)  # type: ignore[arg-type]  # the store, not a connection, answers
            work.quarterly = {self.recipient: self.quarterly}
            filed.on_documents_filed(work, message, {})
            work.flush()
        return [(row[2], row[4]) for row in self.store.refusals[before:]]

    def act(self, doc_key: str, action: str, today: str = "2025-12-01", **fields: object) -> str | None:
        """An action decided as the projector decides it; the refusal code, or None when applied."""
        current = self.store.documents.get((self.recipient, doc_key))
        request = ActionRequest(doc_key, action, **({"version_hash": None} | fields))  # type: ignore[arg-type]
        refusal = check_action(current, request, today)
        if refusal is not None:
            return refusal.code
        assert current is not None
        updated = apply_action(current, request, "tester", "2025-12-01T10:00:00+00:00")
        self.store.save([updated], [])
        self.store.recount(self.recipient)
        return None

    def freeze(self, doc_key: str, action: str) -> None:
        """The document as a filed GSTR-3B leaves it (frozen with `action`), counts rebuilt as the freeze
        rebuilds them; which documents a filing freezes is the SQL of projector/periods.py (tested end to end)."""
        self.store.save([replace(self.doc(doc_key), action=action, frozen=True)], [])
        self.store.recount(self.recipient)

    def doc(self, doc_key: str) -> ImsDocument:
        return self.store.documents[(self.recipient, doc_key)]

    def doc_keys(self) -> set[str]:
        return {key for recipient, key in self.store.documents if recipient == self.recipient}

    def counts(self) -> dict[tuple[str, str, str], int]:
        return self.store.counts(self.recipient)

    def history(self, doc_key: str) -> list[str]:
        return [row[7] for row in self.store.history if row[1] == doc_key]
