"""The recipient's purchase register on the live stack (docs/rules.md §10.1): booked over HTTP (JSON and CSV),
re-sent unchanged (nothing logged), changed (a new version), cancelled and booked again; read back from
`recon_purchases`; and `ims replay --all` rebuilds the very same table from the log."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text

from services.cli.replay import read_model_digests
from services.common.gst.gstin import check_character
from services.common.settings import EVENTS_TOPIC, PROJECT_ROOT
from services.recon import xlsx
from services.recon.domain.csvrows import template_header
from tests.support.live import LiveStack, dumps

pytestmark = pytest.mark.e2e
BUYER, SUPPLIER, OTHER = "29AABCR1718E1ZL", "27AAPFU0939F1ZV", "24AANFA2641L1ZF"


def _voucher(voucher_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "voucher_id": voucher_id,
        "ctin": SUPPLIER,
        "doc_type": "INV",
        "inum": f"INV/{voucher_id}",
        "dt": "05-10-2025",
        "pos": "29",
        "rev": "N",
        "txval": 1000.00,
        "igst": 180.00,
        "cgst": 0,
        "sgst": 0,
        "cess": 0,
        "posting_date": "07-10-2025",
        "tags": {"cost_centre": "BLR-01"},
        **changes,
    }


def _book(stack: LiveStack, *vouchers: dict[str, Any], token: str | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = stack.post(f"/v1/ims/{BUYER}/purchases", {"purchases": list(vouchers)}, headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _book_workbook(stack: LiveStack, book: Any) -> dict[str, Any]:
    """Books the openpyxl workbook `book` through the XLSX door."""
    body = io.BytesIO()
    book.save(body)
    answer = stack.http.post(
        f"/v1/ims/{BUYER}/purchases", content=body.getvalue(), headers={"Content-Type": xlsx.MEDIA}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _register(stack: LiveStack) -> dict[str, tuple[Any, ...]]:
    stack.wait_projected("recon")
    query = (
        "SELECT voucher_id, version, txval, igst, tags, cancelled, doc_type, portcode, boenum "
        "FROM recon_purchases WHERE recipient = :r"
    )
    with stack.engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(text(query), {"r": BUYER})}


def _logged(stack: LiveStack) -> int:
    return int(stack.scalar("SELECT count(*) FROM event_log WHERE topic = :t", t=stack.settings.topic(EVENTS_TOPIC)))


def test_booking_resending_changing_and_cancelling_vouchers_reads_back_version_by_version(
    live_stack: LiveStack,
) -> None:
    stack, recipient = live_stack, live_stack.token("recipient", BUYER)
    boe = _voucher("PV-3", doc_type="BOE", ctin=None, inum=None, boe={"portcode": "INMAA1", "boenum": "1234567"})
    first = _book(stack, _voucher("PV-1"), _voucher("PV-2"), boe, _voucher("PV-4", dt="31-02-2025"), token=recipient)
    assert (first["status_cd"], first["proc_cnt"], first["err_cnt"]) == ("PE", 3, 1)
    assert first["vouchers"] == {"new": 3, "changed": 0, "unchanged": 0}
    (error,) = first["error_report"]["purchases"]
    assert (error["row"], error["voucher_id"], error["field"], error["error_cd"]) == (4, "PV-4", "dt", "INVALID_DATE")
    register = _register(stack)
    assert register["PV-1"] == (1, 100000, 18000, {"cost_centre": "BLR-01"}, False, "INV", "", "")
    assert register["PV-3"][5:] == ("BOE", "INMAA1", "1234567")
    assert set(register) == {"PV-1", "PV-2", "PV-3"}

    logged = _logged(stack)
    again = _book(stack, _voucher("PV-1"), _voucher("PV-2"))
    assert (again["status_cd"], again["vouchers"]) == ("P", {"new": 0, "changed": 0, "unchanged": 2})
    assert _logged(stack) == logged, "an unchanged voucher logs nothing"

    changed = _book(stack, _voucher("PV-1", txval=1200.50), _voucher("PV-2"))
    assert changed["vouchers"] == {"new": 0, "changed": 1, "unchanged": 1}
    cancel = stack.post(f"/v1/ims/{BUYER}/purchases/cancel", {"voucher_ids": ["PV-2", "PV-9"]})
    assert cancel.status_code == 200, cancel.text
    assert cancel.json()["vouchers"] == {"cancelled": 1, "unchanged": 0}
    assert [e["error_cd"] for e in cancel.json()["error_report"]["purchases"]] == ["NOT_FOUND"]
    register = _register(stack)
    assert register["PV-1"][:3] == (2, 120050, 18000)
    assert register["PV-2"][0] == 2 and register["PV-2"][4] is True

    status = stack.http.get(
        f"/v1/ims/{BUYER}/requests/{first['reference_id']}", headers={"Authorization": f"Bearer {recipient}"}
    )
    assert status.status_code == 200 and status.json()["vouchers"] == first["vouchers"]


def test_a_csv_register_filled_in_from_the_template_books_like_json(live_stack: LiveStack) -> None:
    template = live_stack.http.get(f"/v1/ims/{BUYER}/purchases/template")
    assert template.status_code == 200 and template.headers["content-type"].startswith("text/csv")
    header = template.text.strip()
    assert header.startswith("Voucher ID,Supplier GSTIN,Document type,") and header.endswith("Tag: cost_centre")
    header = header.replace(",Port code,BoE number", "")  # columns a register without Bills of Entry may drop
    csv = (
        f"{header}\n"
        f"PV-1,{SUPPLIER},INV,INV/PV-1,05-10-2025,29,N,1200.50,180.00,0,0,0,07-10-2025,BLR-01\n"
        f"PV-5,{OTHER},CN,CN/1,06-10-2025,29,N,100,18,,,,08-10-2025,\n"
        "PV-6,BAD,INV,X,06-10-2025,29,N,100,18,,,,08-10-2025,\n"
    )
    answer = live_stack.http.post(
        f"/v1/ims/{BUYER}/purchases", content=csv.encode(), headers={"Content-Type": "text/csv"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["vouchers"] == {"new": 1, "changed": 0, "unchanged": 1}
    assert [(e["row"], e["field"]) for e in body["error_report"]["purchases"]] == [(4, "ctin")]
    assert _register(live_stack)["PV-5"][:4] == (1, 10000, 1800, {})


def test_an_xlsx_register_books_like_csv(live_stack: LiveStack) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(template_header())
    sheet.append(["PV-7", OTHER, "DN", "DN/7", datetime(2025, 10, 9), "29", "N", 250.5, 45.09, 0, 0, 0])
    sheet.cell(2, 13, datetime(2025, 10, 10))
    assert _book_workbook(live_stack, book)["vouchers"] == {"new": 1, "changed": 0, "unchanged": 0}
    assert _register(live_stack)["PV-7"][:4] == (1, 25050, 4509, {})


def test_the_xlsx_template_downloaded_and_filled_in_books_through_the_xlsx_door(live_stack: LiveStack) -> None:
    import openpyxl

    template = live_stack.http.get(f"/v1/ims/{BUYER}/purchases/template", params={"format": "xlsx"})
    assert template.status_code == 200, template.text
    assert template.headers["content-type"] == xlsx.MEDIA
    assert 'filename="purchase-register-template.xlsx"' in template.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(template.content))
    assert book.sheetnames == ["Purchases", "Read me"]
    sheet = book["Purchases"]
    assert [cell.value for cell in sheet[1]] == template_header()
    sheet.append(["PV-8", SUPPLIER, "INV", "00808", datetime(2025, 10, 11), "07", "N", 300, 54, 0, 0, 0])
    sheet.cell(2, 13, datetime(2025, 10, 12))
    sheet.cell(2, 16, "DEL-02")
    assert _book_workbook(live_stack, book)["vouchers"] == {"new": 1, "changed": 0, "unchanged": 0}
    assert _register(live_stack)["PV-8"][:4] == (1, 30000, 5400, {"cost_centre": "DEL-02"})
    assert live_stack.http.get(f"/v1/ims/{BUYER}/purchases/template", params={"format": "pdf"}).status_code == 422


def test_the_register_lists_in_pages_by_cursor_filtered_and_each_voucher_books_again_unchanged(
    live_stack: LiveStack,
) -> None:
    books = "29AAPFL0939F1Z" + check_character("29AAPFL0939F1Z")
    boe = _voucher("L-3", ctin=None, inum=None, doc_type="BOE", boe={"portcode": "INBLR4", "boenum": "1234567"})
    vouchers = [_voucher("L-1"), _voucher("L-2", ctin=OTHER, doc_type="CN", tags={}), boe, _voucher("L-4")]
    booked = live_stack.post(f"/v1/ims/{books}/purchases", {"purchases": vouchers})
    assert booked.status_code == 200 and booked.json()["vouchers"]["new"] == 4, booked.text
    assert live_stack.post(f"/v1/ims/{books}/purchases/cancel", {"voucher_ids": ["L-4"]}).status_code == 200
    live_stack.wait_projected("recon")

    def listed(**params: Any) -> Any:
        answer = live_stack.http.get(f"/v1/ims/{books}/purchases", params=params)
        assert answer.status_code == 200, answer.text
        return answer

    first = listed(limit=3)
    assert [v["voucher_id"] for v in first.json()["purchases"]] == ["L-1", "L-2", "L-3"]
    cursor = first.headers["X-Next-Cursor"]
    assert first.headers["Link"].endswith('; rel="next"') and f"cursor={cursor}" in first.headers["Link"]
    last = listed(limit=3, cursor=cursor)
    assert [(v["voucher_id"], v["cancelled"], v["version"]) for v in last.json()["purchases"]] == [("L-4", True, 2)]
    assert "X-Next-Cursor" not in last.headers and "Link" not in last.headers

    assert [v["voucher_id"] for v in listed(ctin=SUPPLIER).json()["purchases"]] == ["L-1", "L-4"]
    assert [v["voucher_id"] for v in listed(cancelled="false").json()["purchases"]] == ["L-1", "L-2", "L-3"]
    assert [v["voucher_id"] for v in listed(cancelled="true").json()["purchases"]] == ["L-4"]
    (bill,) = listed(doc_type="BOE").json()["purchases"]
    assert "ctin" not in bill and "inum" not in bill and bill["boe"] == {"portcode": "INBLR4", "boenum": "1234567"}
    first_voucher = json.loads(first.text, parse_float=Decimal)["purchases"][0]
    assert (first_voucher["txval"], first_voucher["dt"], first_voucher["tags"]) == (
        Decimal("1000.00"),
        "05-10-2025",
        {"cost_centre": "BLR-01"},
    )
    assert first_voucher["reference_id"] == booked.json()["reference_id"]

    live = [
        {k: v for k, v in voucher.items() if k not in ("version", "cancelled", "reference_id")}
        for voucher in listed(cancelled="false").json()["purchases"]
    ]
    again = live_stack.post(f"/v1/ims/{books}/purchases", {"purchases": live})
    assert again.json()["vouchers"] == {"new": 0, "changed": 0, "unchanged": 3}, again.text

    for wrong in ({"doc_type": "XYZ"}, {"ctin": "27AAPFU0939F1ZX"}, {"cursor": "not-a-cursor"}):
        assert live_stack.http.get(f"/v1/ims/{books}/purchases", params=wrong).status_code == 400, wrong


def test_replay_rebuilds_the_purchase_register_row_for_row(live_stack: LiveStack) -> None:
    live_stack.wait_projected("recon")
    live = read_model_digests(live_stack.settings)
    assert int(str(live["recon_purchases"][0])) >= 4
    env = {**os.environ, **live_stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "replay", "--all"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["replayed"]["recon"] >= 3
    assert read_model_digests(live_stack.settings)["recon_purchases"] == live["recon_purchases"]


def test_a_register_of_100000_rows_is_booked_in_one_request_and_one_row_more_is_refused_whole(
    live_stack: LiveStack,
) -> None:
    big = "29AAPFU0939F1Z" + check_character("29AAPFU0939F1Z")
    rows = ",".join(
        dumps(_voucher(f"BIG-{i}", inum=f"B/{i}", tags={"cost_centre": f"CC-{i % 40}"})) for i in range(100_000)
    )
    started = time.monotonic()
    answer = live_stack.http.post(
        f"/v1/ims/{big}/purchases", content=f'{{"purchases": [{rows}]}}', headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["vouchers"] == {"new": 100_000, "changed": 0, "unchanged": 0}
    assert time.monotonic() - started < 120
    live_stack.wait_projected("recon", timeout=180)
    assert live_stack.scalar("SELECT count(*) FROM recon_purchases WHERE recipient = :r", r=big) == 100_000
    too_many = f'{{"purchases": [{rows},{dumps(_voucher("BIG-X"))}]}}'
    refused = live_stack.http.post(
        f"/v1/ims/{big}/purchases", content=too_many, headers={"Content-Type": "application/json"}
    )
    assert refused.status_code == 413 and "100000" in refused.text
