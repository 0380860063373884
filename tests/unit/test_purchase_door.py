"""The Kafka door's reading of one message (services/recon/door.py, docs/rules.md §10.1): Avro of the inbound
schema → the row the JSON door would take, or the reason it cannot be read."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from services.recon.domain.register import check_rows
from services.recon.door import Entry, encode, entry_of, runs

BUYER, SUPPLIER = "29AABCR1718E1ZL", "27AAPFU0939F1ZV"


def _entry(**changes: Any) -> dict[str, Any]:
    return {
        "recipient": BUYER,
        "operation": "BOOK",
        "voucher_id": "PV-1",
        "ctin": SUPPLIER,
        "doc_type": "INV",
        "inum": "INV/1",
        "dt": "05-10-2025",
        "pos": "29",
        "rev": "N",
        "txval": Decimal("1000.50"),
        "igst": Decimal("180.09"),
        "posting_date": "07-10-2025",
        "tags": {"cost_centre": "BLR-01"},
        **changes,
    }


def test_a_booking_reads_as_the_json_doors_row_with_exact_amounts_and_no_absent_fields() -> None:
    entry = entry_of(7, BUYER.encode(), encode(_entry()))
    assert entry is not None and (entry.offset, entry.recipient, entry.operation, entry.problem) == (
        7,
        BUYER,
        "BOOK",
        "",
    )
    assert "cgst" not in entry.row and "boe" not in entry.row and "recipient" not in entry.row
    (purchase,) = check_rows([(7, dict(entry.row))]).purchases
    assert (purchase.txval, purchase.igst, purchase.cgst, dict(purchase.tags)) == (
        100050,
        18009,
        0,
        {"cost_centre": "BLR-01"},
    )


def test_a_bill_of_entry_and_a_cancellation_keep_their_own_fields() -> None:
    boe = entry_of(1, BUYER.encode(), encode(_entry(doc_type="BOE", ctin=None, inum=None, tags={},
                                                    boe={"portcode": "INMAA1", "boenum": "1234567"})))  # fmt: skip
    assert boe is not None and boe.row["boe"] == {"portcode": "INMAA1", "boenum": "1234567"} and "tags" not in boe.row
    assert check_rows([(1, dict(boe.row))]).purchases[0].boenum == "1234567"
    cancel = entry_of(2, BUYER.encode(), encode({"recipient": BUYER, "operation": "CANCEL", "voucher_id": "PV-1"}))
    assert cancel is not None and (cancel.operation, cancel.row) == ("CANCEL", {"voucher_id": "PV-1"})


def test_a_message_that_cannot_be_read_is_an_error_of_its_recipient_or_else_a_fault() -> None:
    garbage = entry_of(3, BUYER.encode(), b"\xff\x00not avro")
    assert garbage is not None and garbage.recipient == BUYER
    assert garbage.problem.startswith("message: not Avro of PurchaseRegisterEntry v1")
    assert entry_of(3, b"", b"\xff\x00not avro") is None  # no recipient to tell: a fault of the door
    assert entry_of(3, None, encode(_entry(recipient="29AABCR1718E1ZX"))) is None
    other = entry_of(4, SUPPLIER.encode(), encode(_entry()))
    assert other is not None and other.recipient == BUYER
    assert other.problem == f"key: the message key must be the recipient's GSTIN {BUYER}"


def test_runs_are_consecutive_messages_of_one_recipient_and_operation_each_voucher_once() -> None:
    def e(offset: int, recipient: str, operation: str, voucher: str) -> Entry:
        return Entry(offset, recipient, operation, {"voucher_id": voucher})

    entries = [
        e(0, BUYER, "BOOK", "A"),
        e(1, BUYER, "BOOK", "B"),
        e(2, BUYER, "BOOK", "A"),  # A's next version: taken after the first, not refused as a repeat
        e(3, BUYER, "CANCEL", "A"),
        e(4, SUPPLIER, "BOOK", "A"),
        e(5, BUYER, "BOOK", "C"),
    ]
    assert [[x.offset for x in run] for run in runs(entries)] == [[0, 1], [2], [3], [4], [5]]
