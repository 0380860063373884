from dataclasses import fields, replace
from datetime import date
from typing import Any

import pytest

from services.common.gst.periods import Period
from services.ingest.domain.documents import Document, Item
from services.ingest.domain.versions import document_key, original_key, version_hash

DOC = Document(
    section="b2b",
    supplier="27AAPFK4821M1ZT",
    recipient="29AABCM7710Q1ZX",
    number="MH/25-26/0001",
    doc_date=date(2025, 10, 3),
    source_form="R1",
    return_period=Period(2025, 10),
    inv_typ="R",
    pos="29",
    reverse_charge=False,
    value=11800000,
    taxable=10000000,
    igst=1800000,
    cgst=0,
    sgst=0,
    cess=0,
    items=(Item("18", 10000000, 1800000, 0, 0, 0),),
)

CHANGES: dict[str, Any] = {  # a changed value per field, of that field's type
    "section": "b2ba",
    "supplier": "27AAPFU0939F1ZV",
    "recipient": "33AAGCN3302H1ZX",
    "number": "mh/25-26/0001",
    "doc_date": date(2025, 10, 4),
    "source_form": "R1A",
    "return_period": Period(2025, 11),
    "inv_typ": "DE",
    "pos": "33",
    "reverse_charge": True,
    "value": 11800001,
    "taxable": 10000001,
    "igst": 1800001,
    "cgst": 1,
    "sgst": 1,
    "cess": 1,
    "items": (Item("18", 10000000, 1800000, 0, 0, 1),),
    "note_type": "D",
    "orig_number": "X",
    "orig_date": date(2025, 9, 1),
    "ecom_operator": "07AAFCE1049J1C0",
    "diff_percent": "0.65",
    "port_code": "INNSA1",
    "sez_supplier": "27AAPFU0939F1ZV",
}


def test_same_document_gives_the_same_hash():
    assert version_hash(DOC) == version_hash(replace(DOC))


def test_hash_is_64_lowercase_hex_and_stable_across_processes():
    digest = version_hash(DOC)
    assert len(digest) == 64 and digest == digest.lower() and int(digest, 16) >= 0
    assert digest == "46d9cde3257daf89dab8e033ee9129e52977549c4f59f331f3b9d66459d87e29"


def test_every_content_field_is_covered_by_the_changes_below():
    assert set(CHANGES) == {f.name for f in fields(Document)} - {"deleted", "extra"}


@pytest.mark.parametrize("field", sorted(CHANGES))
def test_any_content_change_changes_the_hash(field):
    assert version_hash(replace(DOC, **{field: CHANGES[field]})) != version_hash(DOC)


def test_item_order_is_content():
    a, b = Item("5", 100, 5, 0, 0, 0), Item("18", 100, 18, 0, 0, 0)
    assert version_hash(replace(DOC, items=(a, b))) != version_hash(replace(DOC, items=(b, a)))


def test_deletion_flag_and_extra_are_not_content():
    assert version_hash(replace(DOC, deleted=True, extra=(("k", "v"),))) == version_hash(DOC)


def test_document_key_is_section_supplier_financial_year_and_upper_cased_number():
    assert document_key(DOC) == "b2b|27AAPFK4821M1ZT|2025|MH/25-26/0001"
    assert document_key(replace(DOC, number="mh/25-26/0001")) == document_key(DOC)
    assert document_key(replace(DOC, doc_date=date(2026, 3, 31))) == document_key(DOC)
    assert document_key(replace(DOC, doc_date=date(2026, 4, 1))) != document_key(DOC)


def test_original_key_points_an_amendment_at_its_original_section_and_year():
    amended = replace(
        DOC, section="b2bcna", note_type="C", number="CN/2", orig_number="cn/1", orig_date=date(2025, 3, 20)
    )
    assert original_key(amended) == "b2bcn|27AAPFK4821M1ZT|2024|CN/1"
    assert original_key(DOC) is None


def test_the_hashed_content_names_every_content_field_of_the_document():
    from dataclasses import fields

    from services.ingest.domain.versions import _NOT_CONTENT, content

    assert set(content(DOC)) == {f.name for f in fields(DOC)} - _NOT_CONTENT
