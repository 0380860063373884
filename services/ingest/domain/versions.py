"""Document identity and version: which document a row is, and whether its content changed.

``version_hash`` is the IMS ``hash``: SHA-256 over a canonical JSON of the document's content
(every field except ``deleted`` and ``extra``; dates ISO, periods MMYYYY, amounts integer paise,
items in reported order, numbers exactly as reported). Fields holding None are left out, so
adding an optional field to Document later keeps existing hashes. The result is identical
across processes, machines and Python versions.
"""

from __future__ import annotations

import hashlib
from datetime import date

import orjson

from services.common.gst.periods import financial_year_of
from services.common.gst.sections import section
from services.ingest.domain.documents import Document

_NOT_CONTENT = frozenset({"deleted", "extra"})

JsonValue = str | int | bool | list["JsonValue"] | dict[str, "JsonValue"]


def version_hash(doc: Document) -> str:
    """64 lowercase hex characters; equal for equal content, different when any content differs."""
    return hash_of(content(doc))


def hash_of(fields: dict[str, JsonValue | None]) -> str:
    content = {name: value for name, value in fields.items() if value is not None}
    # Same bytes as json.dumps(sort_keys=True, separators=(",", ":")) for this all-ASCII content
    # (validation admits only ASCII in these fields), about twenty times faster.
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()


def content(doc: Document) -> dict[str, JsonValue | None]:
    """Every content field spelled out (this runs once per document at ingest, so no reflection);
    a unit test checks the list against the dataclass, so a new field cannot be forgotten."""
    return {
        "section": doc.section,
        "supplier": doc.supplier,
        "recipient": doc.recipient,
        "number": doc.number,
        "doc_date": doc.doc_date.isoformat(),
        "source_form": doc.source_form,
        "return_period": doc.return_period.mmyyyy,
        "inv_typ": doc.inv_typ,
        "pos": doc.pos,
        "reverse_charge": doc.reverse_charge,
        "value": doc.value,
        "taxable": doc.taxable,
        "igst": doc.igst,
        "cgst": doc.cgst,
        "sgst": doc.sgst,
        "cess": doc.cess,
        "items": [item.as_record() for item in doc.items],  # type: ignore[misc]
        "note_type": doc.note_type,
        "orig_number": doc.orig_number,
        "orig_date": doc.orig_date.isoformat() if doc.orig_date is not None else None,
        "ecom_operator": doc.ecom_operator,
        "diff_percent": doc.diff_percent,
        "port_code": doc.port_code,
        "sez_supplier": doc.sez_supplier,
    }


def document_key(doc: Document) -> str:
    """The IMS identity: section, supplier, financial year and number (case-insensitive)."""
    return _key(doc.section, doc.supplier, doc.doc_date, doc.number)


def original_key(doc: Document) -> str | None:
    """For an amendment, the ``document_key`` of the document it amends; None otherwise."""
    original_section = section(doc.section).original_key
    if original_section is None or doc.orig_number is None or doc.orig_date is None:
        return None
    return _key(original_section, doc.supplier, doc.orig_date, doc.orig_number)


def _key(section_key: str, supplier: str, doc_date: date, number: str) -> str:
    return f"{section_key}|{supplier}|{financial_year_of(doc_date)}|{number.upper()}"
