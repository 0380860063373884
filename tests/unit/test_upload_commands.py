"""An uploaded documents workbook becomes one SAVE (services/actions/commands/upload.py, docs/rules.md §8.4), on
the in-memory command ports: only changed rows are sent, a document changed since the download is refused for
its row, and the answer carries the counts and the refused rows' workbook beside GSTN's keys."""

from __future__ import annotations

import csv
import io
from typing import Any

from services.actions.commands import upload
from services.actions.commands.ports import CommandPorts
from services.actions.commands.upload_file import SheetRow, read_rows
from services.actions.domain.model import evolve
from services.actions.domain.workbook import sheet_row
from services.actions.views.downloads import documents_csv
from tests.support.command_fakes import InMemoryActionLog, in_memory_ports
from tests.support.ims_documents import RECIPIENT, SUPPLIER, credit_note, ims_document

INV_1 = ims_document(f"b2b|{SUPPLIER}|2025|INV-1", version_hash="a" * 64)
INV_2 = ims_document(f"b2b|{SUPPLIER}|2025|INV-2", number="INV-2", version_hash="b" * 64)
NOTE = credit_note(f"b2bcn|{SUPPLIER}|2025|CN-1", version_hash="c" * 64)


def rows(*edited: tuple[Any, dict[str, Any]]) -> list[SheetRow]:
    return [SheetRow(None, n, sheet_row(doc) | edits) for n, (doc, edits) in enumerate(edited, 2)]


def send(ports: CommandPorts, sheet: list[SheetRow], key: str | None = None) -> dict[str, Any]:
    return upload.upload(ports, RECIPIENT, lambda: sheet, "alice@buyer.example", key)


def sent(ports: CommandPorts) -> list[tuple[str, str, str | None]]:
    assert isinstance(ports.log, InMemoryActionLog)
    return [(i["doc_key"], i["action"], i["remarks"]) for *_, event in ports.log.events for i in event.items]


def test_only_changed_rows_become_one_save_and_untouched_rows_are_not_sent() -> None:
    ports = in_memory_ports(INV_1, INV_2, NOTE)
    answer = send(ports, rows((INV_1, {"action": "Reject", "remarks": "rate wrong"}), (INV_2, {}), (NOTE, {})))
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("P", 1, 0)
    assert sent(ports) == [(INV_1.doc_key, "R", "rate wrong")]
    assert isinstance(ports.log, InMemoryActionLog) and len(ports.log.events) == 1, "one SAVE, one event"
    reference = answer["reference_id"]
    assert answer["upload"] == {
        "rows": 3, "changed": 1, "unchanged": 2, "refused": 0,
        "errors_workbook": f"/v1/ims/{RECIPIENT}/actions/upload/{reference}/errors.xlsx",
    }  # fmt: skip


def test_a_document_changed_since_the_download_is_refused_for_its_row_by_its_hash() -> None:
    sheet = rows((INV_1, {"action": "Accept"}), (INV_2, {"action": "Accept"}))
    ports = in_memory_ports(INV_1, evolve(INV_2, version_hash="e" * 64))  # the supplier edited INV-2 meanwhile
    answer = send(ports, sheet)
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 1, 1)
    (refused,) = answer["error_report"]["b2b"]
    assert refused == {
        "row": 3, "stin": SUPPLIER, "doc_id": INV_2.doc_key, "inum": "INV-2", "action": "A",
        "error_cd": "STALE_HASH", "error_msg": "hash: the document changed since it was read; fetch it again",
    }  # fmt: skip
    assert sent(ports) == [(INV_1.doc_key, "A", None)] and answer["upload"]["refused"] == 1


def test_rows_that_cannot_be_read_are_refused_in_the_same_report_and_the_rest_is_sent() -> None:
    ports = in_memory_ports(INV_1, INV_2, NOTE)
    sheet = rows(
        (INV_1, {"action": "Acept"}),
        (INV_2, {"action": "Pending"}),
        (INV_2, {"action": "Reject"}),  # the same document again
        (NOTE, {"doc_id": None, "section": None, "action": "Accept"}),  # names no document at all
    )
    answer = send(ports, sheet)
    assert sent(ports) == [(INV_2.doc_key, "P", None)]
    report = [(r["row"], r["error_cd"], r["error_msg"]) for r in answer["error_report"]["b2b"]]
    assert report == [
        (2, "INVALID_ACTION", "row 2, column Action: must be one of No Action, Accept, Reject, Pending, got 'Acept'"),
        (4, "DUPLICATE_ROW", "row 4: the same document as row 3, which is sent"),
    ]
    assert answer["error_report"]["b2b"][0]["action"] == "Acept", "the value the row held is echoed"
    assert answer["upload"]["unidentified"] == [
        {"row": 5, "error_cd": "INVALID_IDENTITY",
         "error_msg": "row 5, column Document id: not a document id of the download, got None"},
    ]  # fmt: skip
    assert (answer["err_cnt"], answer["upload"]["refused"], answer["upload"]["changed"]) == (2, 3, 4)


def test_a_retry_under_the_same_key_gets_the_first_answer_and_reads_nothing() -> None:
    ports = in_memory_ports(INV_1)
    first = send(ports, rows((INV_1, {"action": "Accept"})), key="upload-1")

    def unread() -> list[SheetRow]:
        raise AssertionError("the file is read again")

    assert upload.upload(ports, RECIPIENT, unread, "alice@buyer.example", "upload-1") == first
    assert len(sent(ports)) == 1


def test_a_csv_download_edited_and_uploaded_round_trips() -> None:
    ports = in_memory_ports(INV_1, INV_2, NOTE)
    table = list(csv.reader(io.StringIO(b"".join(documents_csv([INV_1, INV_2, NOTE])).decode("utf-8-sig"))))
    header = table[0]
    table[3][header.index("Action")] = "Accept"  # the credit note: accept, and reduce ITC in full
    table[3][header.index("Whether ITC needs to be reduced?")] = "Yes"
    edited = io.StringIO()
    csv.writer(edited).writerows(table)
    body = edited.getvalue().encode()
    answer = send(ports, list(read_rows(io.BytesIO(body), "csv", 100)))
    assert sent(ports) == [(NOTE.doc_key, "A", None)]
    assert isinstance(ports.log, InMemoryActionLog)
    (item,) = ports.log.events[0][3].items
    assert item["itc_red_req"] == "Y" and "defaulted" not in answer
    assert answer["upload"]["unchanged"] == 2
