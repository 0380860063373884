"""The recipient's read side end to end (docs/rules.md §1, §8): GETCNT counts in GSTN's shape, a document's
history, GETINV filters and cursor pages, and the CSV / Excel downloads.
"""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest

from tests.support.ims_helpers import (
    ZERO,
    act,
    answer_of,
    boe,
    counts,
    document,
    documents,
    error_code,
    file_gstr3b,
    file_return,
    gstin,
    gstr1,
    history,
    invoice,
    note,
    parsed,
    record_of,
    tally,
)
from tests.support.live import LiveStack
from tests.support.payloads import example

pytestmark = pytest.mark.e2e


def test_counts_have_the_getcnt_shape_and_filter_by_return_period(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "092025",
            recipient,
            b2b=[invoice("CT-1", "10-09-2025", "1000.00"), invoice("CT-2", "11-09-2025", "1000.00")],
        ),
        "2025-10-11",
    )
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice("CT-3", "10-10-2025", "1000.00")],
            cdnr=[note("CTC-1", "11-10-2025", "100.00")],
        ),
        "2025-11-11",
    )
    bill = live.post("/v1/imports/boe", {"boe": [boe(recipient, "4512002", "12-10-2025", "15-10-2025", "100.00")]})
    assert bill.status_code == 200, bill.text
    live.wait_projected()

    everything = counts(live, recipient)
    reference = example("ims-counts-response.json")
    assert set(everything) == set(reference) == {"all_oth", "inv_supp_isd", "imp_gds"}
    for group, rows in reference.items():
        assert set(everything[group]) - {"ttl_cnt"} == set(rows) - {"ttl_cnt"}, group
        assert isinstance(everything[group]["ttl_cnt"], int)
        for key, value in rows.items():
            if key != "ttl_cnt":
                assert set(everything[group][key]) == set(value) == set(ZERO)
    assert set(everything["all_oth"]) == {
        "b2b",
        "b2ba",
        "b2bdn",
        "b2bdna",
        "b2bcn",
        "b2bcna",
        "ecom",
        "ecoma",
        "ttl_cnt",
    }
    assert set(everything["inv_supp_isd"]) == {"isd", "isda", "isdcn", "isdcna", "ttl_cnt"}
    assert set(everything["imp_gds"]) == {"impg", "impga", "impgsez", "impgseza", "ttl_cnt"}
    assert everything["all_oth"]["b2b"] == tally(noaction=3)
    assert everything["all_oth"]["b2bcn"] == tally(noaction=1)
    assert everything["all_oth"]["b2ba"] == ZERO and everything["all_oth"]["ecoma"] == ZERO
    assert everything["inv_supp_isd"] == {
        "isd": ZERO,
        "isda": ZERO,
        "isdcn": ZERO,
        "isdcna": ZERO,
        "ttl_cnt": 0,
    }
    assert everything["imp_gds"]["impg"] == tally(noaction=1)
    assert (everything["all_oth"]["ttl_cnt"], everything["imp_gds"]["ttl_cnt"]) == (4, 1)

    september = counts(live, recipient, rtnprd="092025")
    assert september["all_oth"]["b2b"] == tally(noaction=2) and september["all_oth"]["b2bcn"] == ZERO
    assert (september["all_oth"]["ttl_cnt"], september["imp_gds"]["ttl_cnt"]) == (2, 0)
    october = counts(live, recipient, rtnprd="102025")
    assert october["all_oth"]["b2b"] == tally(noaction=1) and october["all_oth"]["b2bcn"] == tally(noaction=1)
    assert (october["all_oth"]["ttl_cnt"], october["imp_gds"]["ttl_cnt"]) == (2, 1)
    assert counts(live, recipient, rtnprd="122025")["all_oth"]["ttl_cnt"] == 0

    bad = live.http.get(f"/v1/ims/{recipient}/counts", params={"rtnprd": "132025"})
    assert bad.status_code == 400 and error_code(bad) == "INVALID_REQUEST"


def test_history_lists_the_filing_the_acceptance_with_its_actor_and_the_freeze_in_order(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(supplier, "102025", recipient, b2b=[invoice("HI-1", "19-10-2025", "1000.00")]),
        "2025-11-11",
    )
    live.wait_projected()
    doc = document(live, recipient, "HI-1")
    answer = act(live, recipient, [("b2b", record_of(doc, "A"))], actor="alice@buyer.example")
    file_gstr3b(live, recipient, "102025", "2025-12-18", actor="gstr3b-filer")

    events = history(live, recipient, doc["doc_id"])
    assert [e["what"] for e in events] == ["filed", "action_A", "frozen"]
    assert [e["event_type"] for e in events] == ["DocumentsFiled", "ActionsTaken", "Gstr3bFiled"]
    filed, accepted, frozen = events
    assert filed["detail"] == {"hash": doc["hash"], "status": "filed"}
    assert accepted["actor"] == "alice@buyer.example"
    assert accepted["detail"]["reference_id"] == answer["reference_id"] and accepted["detail"]["prev"] == "N"
    assert (frozen["actor"], frozen["detail"]) == ("gstr3b-filer", {"period": "102025"})
    assert filed["occurred_at"] <= accepted["occurred_at"] <= frozen["occurred_at"]
    unknown = answer_of(live.http.get(f"/v1/ims/{recipient}/documents/b2b|{supplier}|2025|NOPE/history"))
    assert unknown["events"] == []


def test_documents_download_as_csv_and_xlsx_with_formula_like_text_neutralised(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice("DL-1", "20-10-2025", "1000.00"), invoice("DL-2", "21-10-2025", "2500.50")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "DL-2"), "R", remarks="=HYPERLINK(1)"))])
    listed = {d["doc_id"]: d for d in documents(live, recipient)}

    download = live.http.get(f"/v1/ims/{recipient}/documents", params={"format": "csv"})
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert {r["Document id"] for r in rows} == set(listed) and len(rows) == 2
    columns = {"GSTIN of supplier": "stin", "Document number": "inum", "Document value (₹)": "val",
               "Taxable value (₹)": "txval", "Integrated tax (₹)": "iamt", "Central tax (₹)": "camt",
               "State/UT tax (₹)": "samt", "Cess (₹)": "cess", "Place of supply": "pos", "Return period": "rtnprd",
               "GSTR-2B period": "gstr2bprd", "Remarks": "remarks", "Section": "section",
               "Document hash": "hash"}  # fmt: skip
    for row in rows:
        record = listed[row["Document id"]] | {"section": "b2b"}
        for column, key in columns.items():
            expected, text = record.get(key), row[column]
            if expected is None:
                assert text == "", (column, text)
            elif isinstance(expected, Decimal):
                assert Decimal(text) == expected and text == f"{expected:.2f}", (column, text)
            elif column == "Remarks" and expected.startswith("="):
                assert text == "'" + expected, (column, text)
            else:
                assert text == str(expected), (column, text, expected)
        assert row["Document date"] == record["idt"] and row["Filing status"] == record["srcfilstatus"]
    rejected = next(r for r in rows if r["Document number"] == "DL-2")
    assert (rejected["Action"], rejected["Remarks"], rejected["Document value (₹)"]) == (
        "Reject", "'=HYPERLINK(1)", "2950.59")  # fmt: skip

    workbook = live.http.get(f"/v1/ims/{recipient}/documents", params={"format": "xlsx"})
    assert workbook.status_code == 200
    assert workbook.content[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
        strings = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")]
    sheet = "".join(strings)
    assert "'=HYPERLINK(1)" in sheet or "&apos;=HYPERLINK(1)" in sheet
    assert "<f>" not in sheet and "DL-1" in sheet and "DL-2" in sheet


def test_documents_filter_by_status_supplier_period_and_number_and_downloads_follow_the_filter(
    live_stack: LiveStack,
) -> None:
    live, first, second, recipient = live_stack, gstin("27"), gstin("27"), gstin("29")
    file_return(live, gstr1(first, "092025", recipient, b2b=[invoice("FL-SEP", "10-09-2025", "100.00")]), "2025-10-11")
    file_return(
        live,
        gstr1(first, "102025", recipient, b2b=[invoice("FL-1", "10-10-2025", "100.00"),
                                               invoice("XY-2", "11-10-2025", "100.00")]),
        "2025-11-11",
    )  # fmt: skip
    file_return(live, gstr1(second, "102025", recipient, b2b=[invoice("FL-3", "12-10-2025", "100.00")]), "2025-11-11")
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "FL-1"), "A"))])

    def numbers(**params: str) -> list[str]:
        return sorted(d["inum"] for d in documents(live, recipient, **params))

    assert numbers() == ["FL-1", "FL-3", "FL-SEP", "XY-2"]
    assert numbers(status="A") == ["FL-1"] and numbers(status="N") == ["FL-3", "FL-SEP", "XY-2"]
    assert numbers(stin=second) == ["FL-3"]
    assert numbers(rtnprd="092025") == ["FL-SEP"]
    assert numbers(q="fl-") == ["FL-1", "FL-3", "FL-SEP"], "a number prefix, case-insensitive"
    assert numbers(stin=first, rtnprd="102025", status="N") == ["XY-2"]
    download = live.http.get(
        f"/v1/ims/{recipient}/documents", params={"format": "csv", "stin": first, "rtnprd": "102025"}
    )
    listed = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert sorted(r["Document number"] for r in listed) == ["FL-1", "XY-2"]
    row = next(r for r in listed if r["Document number"] == "FL-1")
    assert (row["GSTR-2B period"], row["Action"]) == ("102025", "Accept")
    for bad in ({"status": "X"}, {"stin": "27AAAAA0000A1Z0"}, {"rtnprd": "132025"}):
        answer = live.http.get(f"/v1/ims/{recipient}/documents", params=bad)
        assert answer.status_code == 400 and next(iter(bad)) in answer.text, (bad, answer.text)


def test_getinv_pages_with_a_cursor_through_every_document_exactly_once(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice(f"PG-{n}", "22-10-2025", "100.00") for n in range(1, 4)],
            cdnr=[note("PGC-1", "23-10-2025", "10.00"), note("PGD-1", "24-10-2025", "10.00", "D")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    everything = {d["doc_id"] for d in documents(live, recipient)}
    assert len(everything) == 5

    seen: list[str] = []
    sizes: list[int] = []
    following: list[str | None] = []
    params: dict[str, Any] = {"limit": 2}
    for _ in range(10):  # bounded: a cursor that never ends fails the test instead of hanging it
        answer = live.http.get(f"/v1/ims/{recipient}/documents", params=params)
        page = parsed(answer)
        assert set(page) <= {"b2b", "b2bcn", "b2bdn"}, "the body is GSTN's GETINV data: sections only"
        ids = [r["doc_id"] for records in page.values() for r in records]
        seen.extend(ids)
        sizes.append(len(ids))
        following.append(answer.headers.get("Link"))
        if "X-Next-Cursor" not in answer.headers:
            break
        params["cursor"] = answer.headers["X-Next-Cursor"]
    assert sorted(seen) == sorted(everything) and len(seen) == len(set(seen)) == 5
    assert sizes == [2, 2, 1]
    first_cursor = following[0].split("cursor=")[1].split(">")[0] if following[0] else None
    assert following[0] == f'</v1/ims/{recipient}/documents?limit=2&cursor={first_cursor}>; rel="next"'
    assert following[-1] is None and len(following) == 3
    sections = [d["section"] for d in documents(live, recipient, limit=2)]
    assert sections == ["b2b", "b2b"]
    bad = live.http.get(f"/v1/ims/{recipient}/documents", params={"cursor": "not-a-cursor!"})
    assert bad.status_code == 400
