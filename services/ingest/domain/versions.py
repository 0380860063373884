"""Document identity and version: which document a row is, and whether its content changed.

``version_hash`` is the IMS ``hash``: SHA-256 over a canonical JSON of the document's content
(every field except ``deleted`` and ``extra``; dates ISO, periods MMYYYY, amounts integer paise,
items in reported order, numbers exactly as reported). Fields holding None are left out, so
adding an optional field to Document later keeps existing hashes. The result is identical
across processes, machines and Python versions.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from datetime import date

from services.common.periods import Period, financial_year_of
from services.ingest.domain.documents import Document, Item
from services.ingest.domain.sections import section

_NOT_CONTENT = frozenset({"deleted", "extra"})

JsonValue = str | int | bool | list["JsonValue"] | dict[str, "JsonValue"]


def version_hash(doc: Document) -> str:
    """64 lowercase hex characters; equal for equal content, different when any content differs."""
    content = {
        f.name: _canonical(getattr(doc, f.name))
        for f in fields(doc)
        if f.name not in _NOT_CONTENT and getattr(doc, f.name) is not None
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


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


def _canonical(value: object) -> JsonValue:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Period):
        return value.mmyyyy
    if isinstance(value, Item):
        return {f.name: _canonical(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_canonical(each) for each in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")
