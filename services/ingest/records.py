"""Adapter: a validated Document plus its route becomes a `DocumentsFiled` document record (Avro)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.periods import gstr2b_period
from services.ingest.domain.classification import classify
from services.ingest.domain.documents import Document
from services.ingest.domain.versions import document_key, original_key, version_hash


def document_record(doc: Document, filed_on: date | None) -> dict[str, Any]:
    route = classify(doc, filed_on)
    period = gstr2b_period(doc.source_form, filed_on) if filed_on is not None else None
    return {
        "key": document_key(doc),
        "original_key": original_key(doc),
        "version_hash": version_hash(doc),
        "section": doc.section,
        "supplier": doc.supplier,
        "number": doc.number,
        "doc_date": doc.doc_date.isoformat(),
        "source_form": doc.source_form,
        "inv_typ": doc.inv_typ,
        "pos": doc.pos,
        "reverse_charge": doc.reverse_charge,
        "value": doc.value,
        "taxable": doc.taxable,
        "igst": doc.igst,
        "cgst": doc.cgst,
        "sgst": doc.sgst,
        "cess": doc.cess,
        "note_type": doc.note_type,
        "orig_number": doc.orig_number,
        "orig_date": doc.orig_date.isoformat() if doc.orig_date else None,
        "ecom_operator": doc.ecom_operator,
        "diff_percent": doc.diff_percent,
        "port_code": doc.port_code,
        "items": [
            {
                "rate": i.rate,
                "taxable": i.taxable,
                "igst": i.igst,
                "cgst": i.cgst,
                "sgst": i.sgst,
                "cess": i.cess,
            }
            for i in doc.items
        ],
        "route": route.target,
        "part": route.part,
        "reason": route.reason,
        "gstr2b_period": period.mmyyyy if period is not None else None,
        "deleted": doc.deleted,
    }
