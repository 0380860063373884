"""Reconciliation on the live stack (docs/rules.md §10.2-§10.4): a supplier files its GSTR-1, the recipient books
its register, and `GET /v1/ims/{gstin}/recon`, computed on demand from both read models, puts every document in
its category with its rule, differences, nearest candidates and suggested action; filters and the period in
view narrow it; only the recipient (or admin) may read it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from tests.support.ims_helpers import file_return, gstr1, invoice, note, parsed
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e
BUYER, SUPPLIER, OTHER = "29AABCR1718E1ZL", "27AAPFU0939F1ZV", "24AANFA2641L1ZF"


def _voucher(voucher_id: str, inum: str, txval: str, dt: str = "05-10-2025", **changes: Any) -> dict[str, Any]:
    amount = Decimal(txval)
    return {"voucher_id": voucher_id, "ctin": SUPPLIER, "doc_type": "INV", "inum": inum, "dt": dt, "pos": "29",
            "rev": "N", "txval": amount, "igst": amount * Decimal("0.18"), "cgst": 0, "sgst": 0, "cess": 0,
            "posting_date": dt, **changes}  # fmt: skip


def _recon(stack: LiveStack, token: str, **params: str) -> dict[str, Any]:
    answer = stack.http.get(f"/v1/ims/{BUYER}/recon", params=params, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return dict(parsed(answer))


def _by_voucher(answer: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {row["voucher_id"] or row.get("inum") or row.get("nt_num"): row for row in answer["rows"]}


def test_books_against_ims_are_categorised_explained_and_given_a_suggested_action(live_stack: LiveStack) -> None:
    stack, token = live_stack, live_stack.token("recipient", BUYER)
    filing = gstr1(
        SUPPLIER, "102025", BUYER,
        b2b=[invoice(f"INV/000{n}/2025-26", "05-10-2025", f"{n}000.00") for n in range(1, 5)]
        + [invoice("INV/0006/2025-26", "31-10-2025", "6000.00")],
        cdnr=[note("CN/0001", "06-10-2025", "500.00")],
    )  # fmt: skip
    file_return(stack, filing, filed_on="2025-11-11")
    booked = [
        _voucher("PV-1", "INV/0001/2025-26", "1000.00"),
        _voucher("PV-2", "inv-2", "2000.00"),
        _voucher("PV-3", "INV/0003/2025-26", "3500.00"),
        _voucher("PV-5", "INV/0099", "9999.00"),
        _voucher("PV-6", "INV/0006/2025-26", "6000.00", dt="31-10-2025", posting_date="03-11-2025"),
    ]
    answer = stack.post(
        f"/v1/ims/{BUYER}/purchases", {"purchases": booked}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200 and answer.json()["status_cd"] == "P", answer.text
    stack.wait_projected("ims")
    stack.wait_projected("recon")

    year = _recon(stack, token, fy="2025-26")
    assert (year["computed"], year["policy_version"], year["rows_total"]) == ("on_demand", 1, 7)
    rows = _by_voucher(year)
    got = {key: (row["category"], row["rule"], row["suggested_action"]) for key, row in rows.items()}
    assert got == {
        "PV-1": ("exact", "exact", "A"),
        "PV-2": ("suggested", "suggested_number", "A"),
        "PV-3": ("mismatch", "mismatch", "R"),
        "PV-5": ("only_in_books", "", "N"),
        "PV-6": ("exact", "exact", "A"),
        "INV/0004/2025-26": ("only_in_ims", "", "P"),
        "CN/0001": ("only_in_ims", "", "P"),
    }
    assert (rows["PV-1"]["inum"], rows["PV-1"]["ctin"], rows["PV-1"]["action"]) == ("INV/0001/2025-26", SUPPLIER, "N")
    (txval,) = [d for d in rows["PV-3"]["differences"] if d["field"] == "txval"]
    assert (txval["books"], txval["supplier"], txval["delta"]) == (
        Decimal("3500.00"),
        Decimal("3000.00"),
        Decimal("500.00"),
    )
    assert rows["PV-3"]["remarks"].startswith("Differs from our books: taxable value Rs.3500.00 in our books")
    assert rows["PV-5"]["nearest"] and all(n["why"] for n in rows["PV-5"]["nearest"])
    summary = year["summary"]
    assert summary["by_category"]["only_in_ims"]["count"] == 2
    assert summary["by_category"]["mismatch"]["taxable_difference"] == Decimal("500.00")
    (supplier,) = summary["by_supplier"]
    assert (supplier["ctin"], supplier["ims"], supplier["actioned_percent"]) == (SUPPLIER, 6, "0.00")

    october = _by_voucher(_recon(stack, token, period="102025"))
    assert october["PV-6"]["category"] == "later_period" and october["PV-6"]["suggested_action"] == "P"
    assert [r["voucher_id"] for r in _recon(stack, token, fy="2025-26", category="mismatch")["rows"]] == ["PV-3"]
    assert [r["nt_num"] for r in _recon(stack, token, fy="2025-26", section="b2bcn")["rows"]] == ["CN/0001"]
    assert _recon(stack, token, fy="2025-26", supplier=OTHER)["rows_total"] == 0


def test_only_the_recipient_reads_its_reconciliation_and_bad_filters_are_refused(live_stack: LiveStack) -> None:
    stack = live_stack
    stranger = stack.token("recipient", OTHER)
    answer = stack.http.get(f"/v1/ims/{BUYER}/recon?fy=2025-26", headers={"Authorization": f"Bearer {stranger}"})
    assert answer.status_code == 403
    for query in ("", "?fy=2025-27", "?fy=2025-26&period=042026", "?fy=2025-26&category=maybe", "?period=132025"):
        answer = stack.http.get(f"/v1/ims/{BUYER}/recon{query}")
        assert answer.status_code == 400, (query, answer.text)
        assert answer.json()["detail"]["error_cd"] == "INVALID_REQUEST"


def test_the_reconciliation_downloads_as_a_workbook_and_csv_holding_every_row_of_the_json(
    live_stack: LiveStack,
) -> None:
    """docs/rules.md §10.4: `format=xlsx` is Summary, Suppliers (to send to vendors) and Detail; `format=csv` the
    detail; both hold every row the JSON selects, whatever `limit` says, amounts as numbers."""
    stack = live_stack
    token = stack.token("recipient", BUYER)
    headers = {"Authorization": f"Bearer {token}"}
    year = _recon(stack, token, fy="2025-26")
    got = stack.http.get(
        f"/v1/ims/{BUYER}/recon", params={"fy": "2025-26", "format": "xlsx", "limit": "1"}, headers=headers
    )
    assert got.status_code == 200, got.text
    assert got.headers["content-disposition"] == f'attachment; filename="recon-{BUYER}-2025-26.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(got.content), read_only=True)
    assert book.sheetnames == ["Summary", "Suppliers", "Detail"]
    summary = list(book["Summary"].iter_rows(min_row=3, values_only=True))
    assert summary[0] == ("Category", "Documents", "Taxable value difference (₹)", "Tax difference (₹)")
    counts = {row[0]: row[1] for row in summary[1:]}
    assert counts["Mismatch"] == 1 and counts["Only in IMS (missing in books)"] == 2 and sum(counts.values()) == 7
    assert {row[0]: row[2] for row in summary[1:]}["Mismatch"] == 500.0
    suppliers = list(book["Suppliers"].iter_rows(min_row=4, values_only=True))
    assert [row[0] for row in suppliers] == [SUPPLIER]
    detail = list(book["Detail"].iter_rows(min_row=3, values_only=True))
    header, lines = detail[0], detail[1:]
    assert len(lines) == year["rows_total"] == 7
    by_voucher = {line[header.index("Voucher ID")]: line for line in lines}
    mismatch = by_voucher["PV-3"]
    assert (mismatch[header.index("Category")], mismatch[header.index("Suggested action")]) == ("Mismatch", "Reject")
    assert (
        "txval: 3500.00 / 3000.00 / 500.00"
        in mismatch[header.index("Differences (books / supplier / books minus supplier)")]
    )
    csv_answer = stack.http.get(f"/v1/ims/{BUYER}/recon", params={"fy": "2025-26", "format": "csv"}, headers=headers)
    assert csv_answer.status_code == 200 and csv_answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_answer.text)))
    assert len(rows) == 7 and {r["Voucher ID"] for r in rows} == {
        *(k for k in _by_voucher(year) if k and k.startswith("PV")),
        "",
    }
