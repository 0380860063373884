"""Adapter: a validated Document plus its route becomes a `DocumentsFiled` document record (Avro)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.gst.periods import gstr2b_period
from services.ingest.domain.classification import classify
from services.ingest.domain.documents import Document
from services.ingest.domain.versions import content, document_key, hash_of, original_key


def document_record(doc: Document, filed_on: date | None, quarterly_filer: bool = False) -> dict[str, Any]:
    """The content that is hashed, plus identity, route and period (extra keys are not in the schema and
    are not written)."""
    route = classify(doc, filed_on)
    period = gstr2b_period(doc.source_form, filed_on, quarterly_filer) if filed_on is not None else None
    fields = content(doc)
    return {
        **fields,
        "key": document_key(doc),
        "original_key": original_key(doc),
        "version_hash": hash_of(fields),
        "route": route.target,
        "part": route.part,
        "reason": route.reason,
        "gstr2b_period": period.mmyyyy if period is not None else None,
        "deleted": doc.deleted,
    }
