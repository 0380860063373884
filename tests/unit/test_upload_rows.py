"""An uploaded row of the documents workbook read back (services/actions/domain/upload_rows.py, docs/rules.md
§8.4): untouched rows are not sent, changed ones say what to send, and a row that cannot be trusted is refused
naming its row and column."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest

from services.actions.domain.upload_rows import Formula, header_map, read_row
from services.actions.domain.workbook import COLUMNS, HEADERS, Edits, sheet_row
from tests.support.ims_documents import RECIPIENT, SUPPLIER, credit_note, ims_document

INVOICE = ims_document(f"b2b|{SUPPLIER}|2025|INV-1", version_hash="a" * 64)
REJECTED = ims_document(f"b2b|{SUPPLIER}|2025|0042", number="0042", version_hash="b" * 64, action="R",
                        remarks="=HYPERLINK(1)")  # fmt: skip
NOTE = credit_note(f"b2bcn|{SUPPLIER}|2025|CN-1", version_hash="c" * 64)
ACCEPTED_NOTE = credit_note(
    f"b2bcn|{SUPPLIER}|2025|CN-2", number="CN-2", version_hash="d" * 64, action="A", itc_red_req="Y",
    decl_igst=18_000, decl_cgst=0, decl_sgst=0, decl_cess=0,
)  # fmt: skip


def downloaded(doc: Any, **edits: Any) -> dict[str, Any]:
    """The row as the download wrote it, then edited as a person would."""
    return sheet_row(doc) | edits


def test_the_header_row_is_found_by_its_words_whatever_the_case_spacing_or_rupee_sign() -> None:
    assert header_map(HEADERS) == dict(enumerate(c.key for c in COLUMNS))
    garbled = [h.replace("₹", "?").upper() for h in HEADERS]  # a CSV saved in another code page
    assert header_map(garbled) == header_map(HEADERS)
    assert header_map(["Action", "Remarks", "Document id"]) is None, "no hash and no Downloaded as: not our header"


def test_an_untouched_row_is_unchanged_and_a_blank_or_total_row_is_no_documents_row() -> None:
    for doc in (INVOICE, REJECTED, NOTE, ACCEPTED_NOTE):
        reading = read_row(2, downloaded(doc), RECIPIENT)
        assert reading is not None and reading.unchanged, (doc.doc_key, reading)
    assert read_row(9, {"value": Decimal("1000.00"), "supplier": "Total"}, RECIPIENT) is None
    assert read_row(9, {}, RECIPIENT) is None


def test_a_changed_action_or_remark_is_sent_with_the_hash_the_row_was_downloaded_with() -> None:
    reading = read_row(3, downloaded(INVOICE, action="Reject", remarks="rate is wrong"), RECIPIENT)
    assert reading is not None and reading.problem is None
    assert (reading.section, reading.doc_id, reading.hash) == ("b2b", INVOICE.doc_key, "a" * 64)
    assert reading.sent == Edits("R", "rate is wrong")
    for doc, word, code in ((INVOICE, "accept", "A"), (INVOICE, "PENDING", "P"), (REJECTED, "No action", "N"),
                            (INVOICE, "R", "R")):  # fmt: skip
        found = read_row(3, downloaded(doc, action=word), RECIPIENT)
        assert found is not None and found.sent is not None and found.sent.action == code, word


def test_remarks_and_an_itc_answer_left_from_the_old_action_go_with_it() -> None:
    accepted = read_row(4, downloaded(REJECTED, action="Accept"), RECIPIENT)
    assert accepted is not None and accepted.sent == Edits("A"), "the rejection's remark is not sent with Accept"
    pending = read_row(4, downloaded(REJECTED, action="Pending"), RECIPIENT)
    assert pending is not None and pending.sent == Edits("P", "=HYPERLINK(1)"), "kept with Pending"
    rejected = read_row(5, downloaded(ACCEPTED_NOTE, action="Reject", remarks="not ours"), RECIPIENT)
    assert rejected is not None and rejected.sent == Edits("R", "not ours"), "the accept's ITC answer is dropped"


def test_an_itc_answer_is_sent_with_the_amounts_only_when_they_were_edited() -> None:
    partial = read_row(6, downloaded(NOTE, action="Accept", itc_red_req="Yes", decl_igst=90.5), RECIPIENT)
    assert partial is not None and partial.sent == Edits("A", None, "Y", (9050, None, None, None))
    to_no = read_row(7, downloaded(ACCEPTED_NOTE, itc_red_req="No"), RECIPIENT)
    assert to_no is not None and to_no.sent == Edits("A", None, "N"), "amounts left as downloaded are not sent"
    text = read_row(8, downloaded(ACCEPTED_NOTE, decl_igst="₹ 1,20.00"), RECIPIENT)
    assert text is not None and text.sent == Edits("A", None, "Y", (12_000, 0, 0, 0))


@pytest.mark.parametrize(
    ("edits", "code", "column"),
    [
        ({"action": "Acept"}, "INVALID_ACTION", "Action"),
        ({"action": None}, "INVALID_ACTION", "Action"),
        ({"action": "Accept", "itc_red_req": "Maybe"}, "INVALID_REDUCTION", "Whether ITC needs to be reduced?"),
        ({"action": "Accept", "decl_igst": 10.555}, "INVALID_REDUCTION", "ITC reduction declared: integrated tax (₹)"),
        ({"action": "Accept", "decl_cess": "-5"}, "INVALID_REDUCTION", "ITC reduction declared: cess (₹)"),
        ({"remarks": Formula("=HYPERLINK(1)")}, "INVALID_REMARKS", "Remarks"),
        ({"doc_date": "31-02-2025"}, "INVALID_IDENTITY", "Document date"),
        ({"doc_date": datetime(2024, 10, 10)}, "INVALID_IDENTITY", "Document date"),
        ({"recipient": "33AAGCN3302H1ZX"}, "INVALID_IDENTITY", "GSTIN of recipient"),
        ({"supplier": "24AANFA2641L1ZF"}, "INVALID_IDENTITY", "GSTIN of supplier"),
        ({"number": "INV-2"}, "INVALID_IDENTITY", "Document number"),
        ({"section": "b2ba"}, "INVALID_IDENTITY", "Section"),
        ({"hash": "abc"}, "INVALID_IDENTITY", "Document hash"),
        ({"downloaded_as": '["Z"]'}, "INVALID_IDENTITY", "Downloaded as"),
        ({"doc_id": "nonsense|x"}, "INVALID_IDENTITY", "Document id"),
    ],
)
def test_a_row_that_cannot_be_read_is_refused_naming_its_row_and_column(
    edits: dict[str, Any], code: str, column: str
) -> None:
    reading = read_row(12, downloaded(NOTE, **edits), RECIPIENT)
    assert reading is not None and reading.problem is not None and reading.sent is None
    assert (reading.problem.code, reading.problem.column) == (code, column)
    assert reading.problem.message.startswith(f"row 12, column {column}: "), reading.problem.message
    assert reading.section == "b2bcn", "refused under its section, so GSTN's error report can hold it"


def test_a_number_that_lost_its_leading_zeros_to_a_spreadsheet_still_names_its_document() -> None:
    for number in (42, 42.0, "42"):
        reading = read_row(2, downloaded(REJECTED, number=number, action="Accept"), RECIPIENT)
        assert reading is not None and reading.problem is None and reading.number == "0042", number
    for day in ("10-10-2025", "10/10/2025", "2025-10-10", datetime(2025, 10, 10)):
        reading = read_row(2, downloaded(REJECTED, doc_date=day), RECIPIENT)
        assert reading is not None and reading.unchanged, day


def test_columns_the_sheet_does_not_have_keep_their_downloaded_values() -> None:
    row = {k: v for k, v in downloaded(REJECTED, action="Pending").items() if k not in ("remarks", "supplier")}
    reading = read_row(2, row, RECIPIENT)
    assert reading is not None and reading.sent == Edits("P", "=HYPERLINK(1)")
