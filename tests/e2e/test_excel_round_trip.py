"""docs/rules.md §8.4 (our rule), the Excel round trip end to end through HTTP: download the documents
workbook, edit it as an accountant does, upload it, and upload again. Only the changed rows become one SAVE;
a document the supplier changed meanwhile is refused for its row by its hash; a colleague's action taken since
the download is not undone; the refused rows come back as a workbook; the CSV round-trips too, and no cell
we write is ever a formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
import pytest

from services.actions.commands.upload_file import XLSX_MEDIA
from services.actions.domain.workbook import ACTION_WORDS, HEADERS
from tests.support.ims_helpers import (
    document,
    documents,
    error_code,
    file_return,
    gstin,
    gstr1,
    history,
    invoice,
    note,
    parsed,
    record_of,
    save,
)
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e
FORMULA = '=HYPERLINK("http://evil.example","open me")'
COLUMN = {header: index + 1 for index, header in enumerate(HEADERS)}


def download(live: LiveStack, recipient: str, kind: str) -> httpx.Response:
    answer = live.http.get(f"/v1/ims/{recipient}/documents", params={"format": kind})
    assert answer.status_code == 200, answer.text
    return answer


def upload(live: LiveStack, recipient: str, body: bytes, media: str, **headers: str) -> dict[str, Any]:
    answer = live.http.post(
        f"/v1/ims/{recipient}/actions/upload", content=body, headers={"Content-Type": media, **headers}
    )
    assert answer.status_code == 200, answer.text
    return parsed(answer)  # type: ignore[no-any-return]


def workbook(content: bytes) -> Any:
    book = openpyxl.load_workbook(io.BytesIO(content))
    for sheet in book.worksheets:  # no cell of anything we write is a formula
        formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], (sheet.title, formulas)
    return book


def rows_by_doc_id(sheet: Any) -> dict[str, int]:
    return {sheet.cell(r, COLUMN["Document id"]).value: r for r in range(2, sheet.max_row + 1)}


def rupees(value: Any) -> Decimal | None:
    return None if value is None else Decimal(repr(value)).quantize(Decimal("0.01"))


def day(gstn: str | None) -> datetime | None:
    return None if gstn is None else datetime.strptime(gstn, "%d-%m-%Y")


def check_against_getinv(sheet: Any, records: dict[str, dict[str, Any]]) -> None:
    """Every documents row says what GETINV says of its document."""
    assert tuple(c.value for c in sheet[1]) == HEADERS
    found = rows_by_doc_id(sheet)
    assert set(found) == set(records)
    for doc_id, r in found.items():
        record = records[doc_id]
        cell = {header: sheet.cell(r, column).value for header, column in COLUMN.items()}.__getitem__

        assert cell("GSTIN of supplier") == record["stin"]
        assert cell("Document number") == (record.get("inum") or record.get("nt_num"))
        assert cell("Document date") == day(record.get("idt") or record.get("nt_dt"))
        for header, key in (("Document value (₹)", "val"), ("Taxable value (₹)", "txval"),
                            ("Integrated tax (₹)", "iamt"), ("Central tax (₹)", "camt"),
                            ("State/UT tax (₹)", "samt"), ("Cess (₹)", "cess")):  # fmt: skip
            assert rupees(cell(header)) == record[key], (doc_id, header)
        assert cell("Return period") == record["rtnprd"] and cell("Place of supply") == record["pos"]
        assert cell("Filing status") == record["srcfilstatus"]
        assert cell("Action") == ACTION_WORDS[record["action"]]
        remarks = record.get("remarks")
        assert cell("Remarks") == (("'" + remarks) if remarks and remarks[0] in "=+-@" else remarks)
        assert cell("Whether ITC needs to be reduced?") == {"Y": "Yes", "N": "No", None: None}[record.get("itcRedReq")]
        assert rupees(cell("ITC reduction declared: integrated tax (₹)")) == record.get("declIgst")
        assert cell("Section") == record["section"] and cell("Document hash") == record["hash"]


def test_a_workbook_downloaded_edited_and_uploaded_acts_on_changed_rows_only_and_refuses_a_stale_one(
    live_stack: LiveStack,
) -> None:
    live, first, second, recipient = live_stack, gstin("27"), gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(first, "102025", recipient, b2b=[invoice("XR-1", "10-10-2025", "1000.00"),
                                               invoice("XR-2", "11-10-2025", "2000.00"),
                                               invoice("XR-3", "12-10-2025", "3000.00")],
              cdnr=[note("XRC-1", "13-10-2025", "500.00")]),
        "2025-11-11",
    )  # fmt: skip
    saved = gstr1(second, "102025", recipient, b2b=[invoice("XS-1", "14-10-2025", "100.00")])
    file_return(live, saved)  # saved, not filed: the supplier may still edit it
    live.wait_projected()
    save(live, recipient, [("b2b", record_of(document(live, recipient, "XR-3"), "R", remarks=FORMULA))])
    live.wait_projected()

    book = workbook(download(live, recipient, "xlsx").content)
    assert book.sheetnames == ["IMS", "Read me"]
    sheet = book["IMS"]
    records = {d["doc_id"]: d for d in documents(live, recipient)}
    check_against_getinv(sheet, records)
    assert dict(book["Read me"].iter_rows(min_row=2, values_only=True))["GSTIN of recipient"] == recipient
    by_number = {d.get("inum") or d.get("nt_num"): d for d in records.values()}
    row = {n: rows_by_doc_id(sheet)[d["doc_id"]] for n, d in by_number.items()}

    def edit(number: str, header: str, value: Any) -> None:
        sheet.cell(row[number], COLUMN[header]).value = value

    edit("XR-1", "Action", "Reject")
    edit("XR-1", "Remarks", "price differs from the PO")
    edit("XRC-1", "Action", "Accept")
    edit("XRC-1", "Whether ITC needs to be reduced?", "Yes")
    edit("XRC-1", "ITC reduction declared: integrated tax (₹)", 45.5)
    edit("XS-1", "Action", "Accept")
    edited = io.BytesIO()
    book.save(edited)

    # Meanwhile: the supplier edits its saved XS-1, and a colleague accepts XR-2 through the API.
    file_return(live, gstr1(second, "102025", recipient, b2b=[invoice("XS-1", "14-10-2025", "150.00")]))
    save(live, recipient, [("b2b", record_of(by_number["XR-2"], "A"))])
    live.wait_projected()

    answer = upload(live, recipient, edited.getvalue(), XLSX_MEDIA, **{"Idempotency-Key": "xlsx-upload-1"})
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", "2", "1"), answer
    (stale,) = answer["error_report"]["b2b"]  # GSTN's nesting: one entry per supplier and error
    (inv,) = stale["inv"]
    assert (inv["row"], inv["inum"], stale["error_cd"]) == (row["XS-1"], "XS-1", "STALE_HASH")
    reference = answer["reference_id"]
    assert answer["upload"] == {
        "rows": 5, "changed": 3, "unchanged": 2, "refused": 1,
        "errors_workbook": f"/v1/ims/{recipient}/actions/upload/{reference}/errors.xlsx",
    }  # fmt: skip
    again = upload(live, recipient, edited.getvalue(), XLSX_MEDIA, **{"Idempotency-Key": "xlsx-upload-1"})
    assert again == answer, "a retry under the same key gets the first answer"
    live.wait_projected()

    now = {d.get("inum") or d.get("nt_num"): d for d in documents(live, recipient)}
    assert (now["XR-1"]["action"], now["XR-1"]["remarks"]) == ("R", "price differs from the PO")
    assert (now["XRC-1"]["action"], now["XRC-1"]["itcRedReq"], now["XRC-1"]["declIgst"]) == ("A", "Y", Decimal("45.50"))
    assert now["XR-2"]["action"] == "A", "the colleague's accept stands"
    assert [e["event_type"] for e in history(live, recipient, now["XR-2"]["doc_id"])].count("ActionsTaken") == 1
    assert (now["XR-3"]["action"], now["XR-3"]["remarks"]) == ("R", FORMULA), "untouched: not re-sent"
    assert now["XS-1"]["action"] == "N" and now["XS-1"]["hash"] != by_number["XS-1"]["hash"]
    status = live.http.get(f"/v1/ims/{recipient}/requests/{reference}")
    assert status.status_code == 200 and parsed(status) == answer

    errors = live.http.get(answer["upload"]["errors_workbook"])
    assert errors.status_code == 200 and errors.headers["content-type"] == XLSX_MEDIA, errors.text
    report = workbook(errors.content)
    assert report.sheetnames == ["Refused rows", "Summary"]
    (header, *refused) = list(report["Refused rows"].iter_rows(values_only=True))
    assert header[:3] == ("Row", "Sheet", "Section") and len(refused) == 1
    line = dict(zip(header, refused[0], strict=True))
    assert (line["Row"], line["Section"], line["Document id"], line["Document number"]) == (
        row["XS-1"], "b2b", by_number["XS-1"]["doc_id"], "XS-1")  # fmt: skip
    assert (line["Action sent"], line["Error code"]) == ("Accept", "STALE_HASH")
    summary = dict(report["Summary"].iter_rows(min_row=2, values_only=True))
    assert (summary["reference_id"], summary["rows"], summary["refused"]) == (reference, 5, 1)

    # Edit the fresh download and upload again: the stale row is now current, and XR-1 is accepted after all.
    book = workbook(download(live, recipient, "xlsx").content)
    sheet = book["IMS"]
    check_against_getinv(sheet, {d["doc_id"]: d for d in documents(live, recipient)})
    row = {n: rows_by_doc_id(sheet)[d["doc_id"]] for n, d in now.items()}
    edit("XS-1", "Action", "Accept")
    edit("XR-1", "Action", "Accept")  # its remark belonged to the rejection and is not sent
    edited = io.BytesIO()
    book.save(edited)
    second_answer = upload(live, recipient, edited.getvalue(), XLSX_MEDIA)
    assert (second_answer["status_cd"], second_answer["proc_cnt"], second_answer["err_cnt"]) == ("P", "2", "0")
    assert (second_answer["upload"]["changed"], second_answer["upload"]["unchanged"]) == (2, 3)
    live.wait_projected()
    final = {d.get("inum") or d.get("nt_num"): d for d in documents(live, recipient)}
    assert {n: d["action"] for n, d in final.items()} == {"XR-1": "A", "XR-2": "A", "XR-3": "R", "XRC-1": "A",
                                                          "XS-1": "A"}  # fmt: skip
    assert final["XR-1"].get("remarks") is None


def test_a_csv_download_round_trips_and_formula_like_remarks_are_kept_as_text_everywhere_we_write_them(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    numbers = ["CV-1", "CV-2", "CV-3"]
    file_return(
        live, gstr1(supplier, "102025", recipient, b2b=[invoice(n, "20-10-2025", "100.00") for n in numbers]),
        "2025-11-11",
    )  # fmt: skip
    live.wait_projected()
    text = download(live, recipient, "csv").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    header = table[0]
    assert tuple(header) == HEADERS
    lines = {line[header.index("Document number")]: line for line in table[1:]}
    assert lines["CV-1"][header.index("Document date")] == "20-10-2025"
    assert lines["CV-1"][header.index("Taxable value (₹)")] == "100.00"
    lines["CV-1"][header.index("Action")] = "Reject"
    lines["CV-1"][header.index("Remarks")] = FORMULA
    lines["CV-2"][header.index("Action")] = "Pending"
    lines["CV-2"][header.index("Remarks")] = "+91 98450 00000: call before paying"
    lines["CV-3"][header.index("Action")] = "Accept"
    lines["CV-3"][header.index("Remarks")] = "=1+2"  # remarks go with Reject or Pending only: refused
    edited = io.StringIO()
    csv.writer(edited).writerows([header, *lines.values()])

    answer = upload(live, recipient, edited.getvalue().encode(), "text/csv")
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", "2", "1"), answer
    (refused,) = answer["error_report"]["b2b"]
    assert (refused["inv"][0]["inum"], refused["error_cd"]) == ("CV-3", "REMARKS_NOT_ALLOWED")
    live.wait_projected()
    stored = {d["inum"]: d for d in documents(live, recipient)}
    assert (stored["CV-1"]["action"], stored["CV-1"]["remarks"]) == ("R", FORMULA)
    assert stored["CV-2"]["remarks"] == "+91 98450 00000: call before paying"

    book = workbook(download(live, recipient, "xlsx").content)  # asserts no cell is a formula
    sheet = book["IMS"]
    remarks = {
        sheet.cell(r, COLUMN["Document number"]).value: sheet.cell(r, COLUMN["Remarks"])
        for r in range(2, sheet.max_row + 1)
    }
    assert remarks["CV-1"].value == "'" + FORMULA and remarks["CV-1"].data_type == "s"
    assert remarks["CV-2"].value == "'+91 98450 00000: call before paying"
    again = list(csv.reader(io.StringIO(download(live, recipient, "csv").content.decode("utf-8-sig"))))
    assert [line[header.index("Remarks")] for line in again[1:] if line[2] == "CV-1"] == ["'" + FORMULA]
    dangerous = [cell for line in again for cell in line if cell[:1] in ("=", "+", "-", "@")]
    assert dangerous == [], dangerous

    errors = workbook(live.http.get(answer["upload"]["errors_workbook"]).content)
    (header_row, line) = list(errors["Refused rows"].iter_rows(values_only=True))
    assert dict(zip(header_row, line, strict=True))["Remarks sent"] == "'=1+2"

    unchanged = upload(live, recipient, text.encode("utf-8-sig"), "text/csv")  # the first download, as it was
    assert (unchanged["proc_cnt"], unchanged["err_cnt"], unchanged["upload"]["unchanged"]) == ("0", "0", 3)


def test_a_body_that_is_no_documents_workbook_is_refused_and_the_errors_workbook_is_only_the_uploads_recipients(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient, other = live_stack, gstin("27"), gstin("29"), gstin("29")
    file_return(live, gstr1(supplier, "102025", recipient, b2b=[invoice("NW-1", "20-10-2025", "10.00")]), "2025-11-11")
    live.wait_projected()
    path = f"/v1/ims/{recipient}/actions/upload"
    for body, media, says in (
        (b'{"rtin": "x"}', "application/json", "Content-Type"),
        (b"PK\x03\x04garbage", XLSX_MEDIA, "not an xlsx workbook"),
        (b"GSTIN,Invoice\n1,2\n", "text/csv", "header row"),
        (b"", "text/csv", "empty"),
    ):
        refused = live.http.post(path, content=body, headers={"Content-Type": media})
        assert refused.status_code == 400 and error_code(refused) == "INVALID_REQUEST", refused.text
        assert says in refused.json()["detail"]["error_msg"], refused.text

    upload_answer = upload(live, recipient, download(live, recipient, "csv").content, "text/csv")
    errors = upload_answer["upload"]["errors_workbook"]
    mine = {"Authorization": f"Bearer {live.token('recipient', recipient)}"}
    theirs = {"Authorization": f"Bearer {live.token('recipient', other)}"}
    assert live.http.get(errors, headers=mine).status_code == 200
    assert live.http.get(errors, headers=theirs).status_code == 403
    foreign = errors.replace(recipient, other)
    assert live.http.get(foreign, headers=theirs).status_code == 404, "another recipient's upload is not found"
    plain = save(live, recipient, [("b2b", record_of(document(live, recipient, "NW-1"), "A"))]).json()
    not_upload = f"/v1/ims/{recipient}/actions/upload/{plain['reference_id']}/errors.xlsx"
    assert live.http.get(not_upload, headers=mine).status_code == 404, "a SAVE made through JSON has no workbook"
