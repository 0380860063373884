"""The two forms of a notification outbox row, and the one `SupplierNotified` event both stand for.

Rows written item by item hold the record as JSON (`record`). Rows of set-based action chunks hold one
array per document field instead (migration 0016): building 50,000 JSON objects inside the statement
that applies a bulk action cost more than the update itself, while the notifier builds the same
documents from the arrays in a fraction of the time its Avro encoding takes anyway.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.common.events import NotifiedDocument, SupplierNotifiedV1

# array columns in the order `documents` reads them; NULL add-backs mean 0 (not a rejected credit note)
ARRAYS = (
    "doc_keys",
    "sections",
    "numbers",
    "doc_dates",
    "actions",
    "remarks",
    "addback_igst",
    "addback_cgst",
    "addback_sgst",
    "addback_cess",
)
COLUMNS = ("cause_event_id", "supplier", "recipient", "record", *ARRAYS)


def notification(cause: str, supplier: str, recipient: str, record: Any, *arrays: Any) -> SupplierNotifiedV1:
    """The notification of an outbox row, whichever form it was stored in."""
    if record is not None:
        return SupplierNotifiedV1.from_record(record)
    return SupplierNotifiedV1(supplier, recipient, cause, documents(*arrays))


def documents(*arrays: Any) -> list[NotifiedDocument]:
    return [
        {
            "doc_key": doc_key,
            "section": section,
            "number": number,
            "doc_date": doc_date.isoformat() if isinstance(doc_date, date) else doc_date,
            "action": action,
            "remarks": remarks,
            "liability_addback_igst": igst or 0,
            "liability_addback_cgst": cgst or 0,
            "liability_addback_sgst": sgst or 0,
            "liability_addback_cess": cess or 0,
        }
        for doc_key, section, number, doc_date, action, remarks, igst, cgst, sgst, cess in zip(*arrays, strict=True)
    ]
