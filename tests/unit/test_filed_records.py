"""A supplier's GSTR-1 rows as the `DocumentsFiled` records IMS receives (docs/rules.md §4, §5;
services/ingest/domain/gstr1.py read, services/ingest/records.py): the period a filing day gives, the same
version for the same content, a deletion, and an amendment pointing at its original."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.ingest.domain.gstr1 import read_return
from services.ingest.records import document_record
from tests.support.ims_helpers import gstr1, invoice, note

SUPPLIER, RECIPIENT = "27AAPFK4821M1ZT", "29AABCM7710Q1ZX"


def records(body: dict[str, Any], filed_on: date | None, form: str = "R1") -> list[dict[str, Any]]:
    contents = read_return(body, form)
    assert not contents.refused, contents.refused
    return [document_record(doc, filed_on) for doc in contents.documents]


def one(body: dict[str, Any], filed_on: date | None = date(2025, 11, 11)) -> dict[str, Any]:
    (record,) = records(body, filed_on)
    return record


def test_a_saved_document_has_no_gstr2b_period_until_it_is_filed() -> None:
    body = gstr1(SUPPLIER, "102025", RECIPIENT, b2b=[invoice("SF-1", "02-10-2025", "10000.00")])
    assert one(body, None)["gstr2b_period"] is None
    assert one(body, date(2025, 11, 11))["gstr2b_period"] == "102025"
    assert one(body, date(2025, 11, 12))["gstr2b_period"] == "112025"
    assert one(body, None)["version_hash"] == one(body)["version_hash"]  # filing changes no content


def test_the_identical_document_reported_again_is_the_same_version_and_a_changed_one_is_not() -> None:
    first = one(gstr1(SUPPLIER, "102025", RECIPIENT, b2b=[invoice("ID-1", "02-10-2025", "10000.00")]))
    again = one(gstr1(SUPPLIER, "102025", RECIPIENT, b2b=[invoice("ID-1", "02-10-2025", "10000.00")]))
    changed = one(gstr1(SUPPLIER, "102025", RECIPIENT, b2b=[invoice("ID-1", "02-10-2025", "12000.00")]))
    assert again == first
    assert changed["key"] == first["key"] == f"b2b|{SUPPLIER}|2025|ID-1"
    assert changed["version_hash"] != first["version_hash"]
    assert (changed["value"], changed["taxable"], changed["igst"]) == (1_416_000, 1_200_000, 216_000)


def test_flag_d_reports_the_documents_key_as_deleted() -> None:
    deletion = {"inum": "DL-1", "idt": "02-10-2025", "flag": "D"}
    record = one(gstr1(SUPPLIER, "102025", RECIPIENT, b2b=[deletion]), None)
    assert (record["key"], record["deleted"]) == (f"b2b|{SUPPLIER}|2025|DL-1", True)


def test_an_amendment_names_its_original_and_lands_in_the_period_of_its_own_filing() -> None:
    amended_invoice = invoice("AM-1", "05-10-2025", "9000.00", oinum="AM-1", oidt="05-10-2025")
    amended_note = note("AMC-1", "06-10-2025", "500.00", ont_num="AMC-1", ont_dt="06-10-2025")
    body = gstr1(SUPPLIER, "112025", RECIPIENT, b2ba=[amended_invoice], cdnra=[amended_note])
    invoice_record, note_record = records(body, date(2025, 12, 11))
    assert (invoice_record["key"], invoice_record["section"], invoice_record["original_key"]) == (
        f"b2ba|{SUPPLIER}|2025|AM-1",
        "b2ba",
        f"b2b|{SUPPLIER}|2025|AM-1",
    )
    assert (invoice_record["orig_number"], invoice_record["orig_date"]) == ("AM-1", "2025-10-05")
    assert (invoice_record["gstr2b_period"], invoice_record["value"]) == ("112025", 1_062_000)
    assert (note_record["section"], note_record["original_key"]) == ("b2bcna", f"b2bcn|{SUPPLIER}|2025|AMC-1")
