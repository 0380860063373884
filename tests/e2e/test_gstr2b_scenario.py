"""GSTR-2B "done when": one walk through every section with hand-computed figures (docs/rules.md §3-§7).

Monthly recipient R (Karnataka, 29):
- 092025: S1 (Maharashtra) invoices S1/0901 (IGST 18,000.00, accepted) and S1/0902 (9,000.00, rejected),
  credit note S1/CN/0901 (1,800.00, accepted); statement 092025 generated 14-10-2025, GSTR-3B filed
  20-10-2025, so those documents are frozen.
- 102025: S1 b2b (accepted 36,000.00; rejected 2,000.00; Pending 5,400.00; POS-ineligible 900.00 + 900.00),
  b2ba of S1/0901 downward to 14,400.00 (counts -3,600.00) and of the rejected S1/0902 to 10,800.00
  (counts in full), a debit note 900.00, a credit note 1,800.00 accepted with a declared reduction of
  1,000.00, an upward cdnra of S1/CN/0901 to 2,700.00 (counts the increase 900.00); S2 (Karnataka) an
  intra-state invoice 9,000.00 + 9,000.00 + cess 1,000.00, a reverse-charge invoice 1,800.00 + 1,800.00, a
  credit note accepted with "No reduction", a reverse-charge credit note 250.00 + 250.00; an ECO 9(5)
  invoice (100.00) from an operator's table 15; ISD invoice 5,000.00 and ISD credit note 500.00 from a
  GSTR-6; Bills of Entry IMPG 18,000.00 (accepted; a rejection is refused) and IMPGSEZ 9,000.00.
  Version 1 on 14-11-2025; then S1/1002 is accepted and S2/CN/1001 re-accepted with full reduction,
  recompute → version 2; version 1 stays byte-identical.
- GSTR-3B 102025 filed; the Pending S1/1003 is accepted → it enters 112025 (generated 14-12-2025).

Quarterly recipient Q: profile quarterly first; S4's documents of 072025, 082025, 092025 → one statement
for 092025 generated 14-10-2025, none for 072025 / 082025.

The walk runs once (module fixture `walk`); each test asserts one aspect of what it saw. Two more tests
use their own recipients for ITC-reduction declarations on amendments of frozen originals.
"""

from __future__ import annotations

import hashlib
import zipfile
from io import BytesIO
from types import SimpleNamespace
from typing import Any

import pytest

from services.common.gst.gstin import check_character
from tests.support.gstr2b_flow import clock, data_text, gstr3b, recompute, statement, xlsx_sheets
from tests.support.gstr2b_returns import (
    D,
    act,
    assert_itcsumm,
    assert_table4,
    file,
    gstr1,
    heads,
    inv,
    lines,
    money,
    note,
)

pytestmark = pytest.mark.e2e

R = "29AAGCR2025B1ZS"  # monthly recipient
Q = "29AAGCQ2025B1ZT"  # quarterly recipient
S1 = "27AAFCS1001A1Z8"  # inter-state supplier of R
S2 = "29AAFCS2002A1Z1"  # intra-state supplier of R
S3 = "33AAFCS3003A1Z9"  # seller through the e-commerce operator
OPERATOR = "07AAFCO4004A1Z5"  # e-commerce operator (table 15)
ISD = "33AAGCR2025B2Z2"  # R's input service distributor
S4 = "27AAFCS5005A1ZW"  # supplier of Q
for _gstin in (R, Q, S1, S2, S3, OPERATOR, ISD, S4):
    assert check_character(_gstin[:14]) == _gstin[14], _gstin

# ---- hand-computed figures ---------------------------------------------------------------------------------
# 102025 version 1 (rupees: igst, cgst, sgst, cess)
V1_LEAVES = {
    ("itcavl", "nonrevsup", "b2b"): ("36000.00", "9000.00", "9000.00", "1000.00"),  # S1/1001 + S2/1001
    ("itcavl", "nonrevsup", "b2ba"): ("7200.00", 0, 0, 0),  # -3600.00 (S1/0901) + 10800.00 (S1/0902)
    ("itcavl", "nonrevsup", "cdnr"): ("900.00", 0, 0, 0),  # debit note S1/DN/1001
    ("itcavl", "nonrevsup", "ecom"): ("100.00", 0, 0, 0),
    ("itcavl", "isdsup", "isd"): ("5000.00", 0, 0, 0),
    ("itcavl", "revsup", "b2b"): (0, "1800.00", "1800.00", 0),  # S2/1002 reverse charge
    ("itcavl", "imports", "impg"): ("18000.00", 0, 0, 0),
    ("itcavl", "imports", "impgsez"): ("9000.00", 0, 0, 0),
    ("itcavl", "othersup", "cdnr"): (
        "1000.00",
        0,
        0,
        0,
    ),  # declared 1000.00 of S1/CN/1001; S2/CN/1001 "No" → 0
    ("itcavl", "othersup", "cdnra"): ("900.00", 0, 0, 0),  # S1/CN/0901 1800.00 → 2700.00
    ("itcavl", "othersup", "cdnrrev"): (0, "250.00", "250.00", 0),
    ("itcavl", "othersup", "isd"): ("500.00", 0, 0, 0),
    ("itcunavl", "nonrevsup", "b2b"): (0, "900.00", "900.00", 0),  # S1/1004, POS 27
    ("itcRejected", "nonrevsup", "b2b"): ("2000.00", 0, 0, 0),  # S1/1002
}
V1_BUCKETS = {
    ("itcavl", "nonrevsup"): ("44200.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "isdsup"): ("5000.00", 0, 0, 0),
    ("itcavl", "revsup"): (0, "1800.00", "1800.00", 0),
    ("itcavl", "imports"): ("27000.00", 0, 0, 0),
    ("itcavl", "othersup"): ("2400.00", "250.00", "250.00", 0),
    ("itcunavl", "nonrevsup"): (0, "900.00", "900.00", 0),
    ("itcRejected", "nonrevsup"): ("2000.00", 0, 0, 0),
}
V1_TABLE4 = {
    "4A1": ("27000.00", 0, 0, 0),
    "4A3": (0, "1550.00", "1550.00", 0),  # 1800.00 - 250.00
    "4A4": ("4500.00", 0, 0, 0),  # 5000.00 - 500.00
    "4A5": ("42300.00", "9000.00", "9000.00", "1000.00"),  # 44200.00 - 1000.00 - 900.00
    "4D2": (0, "900.00", "900.00", 0),
}
# version 2: S1/1002 accepted (+2000.00 IGST); S2/CN/1001 accepted with full reduction (1800.00 + 1800.00)
V2_LEAVES = {
    **V1_LEAVES,
    ("itcavl", "nonrevsup", "b2b"): ("38000.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "othersup", "cdnr"): ("1000.00", "1800.00", "1800.00", 0),
}
del V2_LEAVES[("itcRejected", "nonrevsup", "b2b")]
V2_BUCKETS = {
    **V1_BUCKETS,
    ("itcavl", "nonrevsup"): ("46200.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "othersup"): ("2400.00", "2050.00", "2050.00", 0),
}
del V2_BUCKETS[("itcRejected", "nonrevsup")]
V2_TABLE4 = {**V1_TABLE4, "4A5": ("44300.00", "7200.00", "7200.00", "1000.00")}


# ---- the walk ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def walk(live_stack) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    live, seen = live_stack, SimpleNamespace()

    # quarterly recipient: profile first, then a document in each month of the quarter
    assert live.post(f"/v1/ims/{Q}/profile", {"frequency": "quarterly"}).status_code == 200
    file(
        live,
        gstr1(S4, "072025", Q, b2b=[inv("S4/0701", "10-07-2025", "10000.00", 18, iamt="1800.00")]),
        "2025-08-11",
    )
    live.wait_projected()
    clock(live, "2025-08-14")
    file(
        live,
        gstr1(S4, "082025", Q, b2b=[inv("S4/0801", "12-08-2025", "20000.00", 18, iamt="3600.00")]),
        "2025-09-11",
    )
    live.wait_projected()
    clock(live, "2025-09-14")
    file(
        live,
        gstr1(
            S4,
            "092025",
            Q,
            b2b=[inv("S4/0901", "15-09-2025", "30000.00", 5, iamt="1500.00")],
            cdnr=[note("C", "S4/CN/0901", "25-09-2025", "5000.00", 18, iamt="900.00")],
        ),
        "2025-10-11",
    )

    # R's September: the originals of the amendment chain
    file(
        live,
        gstr1(
            S1,
            "092025",
            R,
            b2b=[
                inv("S1/0901", "05-09-2025", "100000.00", 18, iamt="18000.00"),
                inv("S1/0902", "10-09-2025", "50000.00", 18, iamt="9000.00"),
            ],
            cdnr=[note("C", "S1/CN/0901", "20-09-2025", "10000.00", 18, iamt="1800.00")],
        ),
        "2025-10-11",
    )
    live.wait_projected()
    act(
        live,
        R,
        {
            "b2b": [
                {"stin": S1, "inum": "S1/0901", "idt": "05-09-2025", "action": "A"},
                {"stin": S1, "inum": "S1/0902", "idt": "10-09-2025", "action": "R"},
            ],
            "b2bcn": [{"stin": S1, "nt_num": "S1/CN/0901", "nt_dt": "20-09-2025", "action": "A"}],
        },
    )
    live.wait_projected()
    clock(live, "2025-10-14")
    seen.r_sep = statement(live, R, "092025")[1]
    seen.q_sep_text, seen.q_sep = statement(live, Q, "092025")
    seen.q_missing = [live.http.get(f"/v1/gstr2b/{Q}/{p}").status_code for p in ("072025", "082025")]
    gstr3b(live, R, "092025", "2025-10-20")

    # R's October
    file(
        live,
        gstr1(
            S1,
            "102025",
            R,
            b2b=[
                inv("S1/1001", "03-10-2025", "200000.00", 18, iamt="36000.00"),
                inv("S1/1002", "09-10-2025", "40000.00", 5, iamt="2000.00"),
                inv("S1/1003", "15-10-2025", "30000.00", 18, iamt="5400.00"),
                inv("S1/1004", "20-10-2025", "10000.00", 18, pos="27", camt="900.00", samt="900.00"),
            ],
            b2ba=[
                inv(
                    "S1/0901",
                    "05-09-2025",
                    "80000.00",
                    18,
                    iamt="14400.00",
                    oinum="S1/0901",
                    oidt="05-09-2025",
                ),
                inv(
                    "S1/0902",
                    "10-09-2025",
                    "60000.00",
                    18,
                    iamt="10800.00",
                    oinum="S1/0902",
                    oidt="10-09-2025",
                ),
            ],
            cdnr=[
                note("D", "S1/DN/1001", "22-10-2025", "5000.00", 18, iamt="900.00"),
                note("C", "S1/CN/1001", "25-10-2025", "10000.00", 18, iamt="1800.00"),
            ],
            cdnra=[
                note(
                    "C",
                    "S1/CN/0901",
                    "20-09-2025",
                    "15000.00",
                    18,
                    iamt="2700.00",
                    ont_num="S1/CN/0901",
                    ont_dt="20-09-2025",
                )
            ],
        ),
        "2025-11-11",
        count=9,
    )
    file(
        live,
        gstr1(
            S2,
            "102025",
            R,
            b2b=[
                inv("S2/1001", "06-10-2025", "100000.00", 18, camt="9000.00", samt="9000.00", csamt="1000.00"),
                inv("S2/1002", "08-10-2025", "20000.00", 18, rchrg="Y", camt="1800.00", samt="1800.00"),
            ],
            cdnr=[
                note("C", "S2/CN/1001", "18-10-2025", "20000.00", 18, camt="1800.00", samt="1800.00"),
                note("C", "S2/CN/1002", "19-10-2025", "10000.00", 5, rchrg="Y", camt="250.00", samt="250.00"),
            ],
        ),
        "2025-11-11",
        count=4,
    )
    file(
        live,
        {
            "gstin": OPERATOR,
            "fp": "102025",
            "ecom": {
                "b2b": [
                    {
                        "stin": S3,
                        "rtin": R,
                        "inv": [inv("EC/1001", "18-10-2025", "2000.00", 5, iamt="100.00")],
                    }
                ]
            },
        },
        "2025-11-11",
        count=1,
    )
    file(
        live,
        {
            "gstin": ISD,
            "fp": "102025",
            "isd": [
                {
                    "ctin": R,
                    "doclst": [
                        {
                            "isd_docty": "ISD",
                            "docnum": "ISD/1001",
                            "docdt": "10-10-2025",
                            "iamt": D("5000.00"),
                            "camt": 0,
                            "samt": 0,
                            "csamt": 0,
                        },
                        {
                            "isd_docty": "ISDCN",
                            "docnum": "ISD/CN/1001",
                            "docdt": "12-10-2025",
                            "iamt": D("500.00"),
                            "camt": 0,
                            "samt": 0,
                            "csamt": 0,
                        },
                    ],
                }
            ],
        },
        "2025-11-13",
        form="gstr6",
        count=2,
    )
    boe = {
        "rtin": R,
        "port_code": "INBLR4",
        "boe_dt": "15-10-2025",
        "refdt": "20-10-2025",
        "csamt": 0,
        "amd": "N",
    }
    file(
        live,
        {
            "boe": [
                boe | {"boe_num": "5100001", "txval": D("100000.00"), "iamt": D("18000.00"), "is_sez": "N"},
                boe | {"boe_num": "5100002", "txval": D("50000.00"), "iamt": D("9000.00"), "is_sez": "Y"},
            ]
        },
        form="boe",
        count=2,
    )
    live.wait_projected()
    act(
        live,
        R,
        {
            "b2b": [
                {"stin": S1, "inum": "S1/1001", "idt": "03-10-2025", "action": "A"},
                {
                    "stin": S1,
                    "inum": "S1/1002",
                    "idt": "09-10-2025",
                    "action": "R",
                    "remarks": "rate differs from PO",
                },
                {
                    "stin": S1,
                    "inum": "S1/1003",
                    "idt": "15-10-2025",
                    "action": "P",
                    "remarks": "goods not received",
                },
                {"stin": S2, "inum": "S2/1001", "idt": "06-10-2025", "action": "A"},
            ],
            "b2ba": [
                {"stin": S1, "inum": "S1/0901", "idt": "05-09-2025", "action": "A"},
                {"stin": S1, "inum": "S1/0902", "idt": "10-09-2025", "action": "A"},
            ],
            "b2bcn": [
                {
                    "stin": S1,
                    "nt_num": "S1/CN/1001",
                    "nt_dt": "25-10-2025",
                    "action": "A",
                    "itcRedReq": "Y",
                    "declIgst": D("1000.00"),
                },
                {"stin": S2, "nt_num": "S2/CN/1001", "nt_dt": "18-10-2025", "action": "A", "itcRedReq": "N"},
            ],
            "impg": [{"stin": R, "boenum": "5100001", "boedt": "15-10-2025", "action": "A"}],
        },
    )
    # imports cannot be rejected; reverse-charge documents never reach IMS
    act(
        live,
        R,
        {
            "impg": [{"stin": R, "boenum": "5100001", "boedt": "15-10-2025", "action": "R"}],
            "b2b": [{"stin": S2, "inum": "S2/1002", "idt": "08-10-2025", "action": "R"}],
        },
        refused=[("5100001", "REJECT_NOT_ALLOWED"), ("S2/1002", "NOT_ACTIONABLE")],
    )
    live.wait_projected()
    seen.before_cutoff = live.http.get(f"/v1/gstr2b/{R}/102025").status_code
    clock(live, "2025-11-14")
    seen.v1_text, seen.v1 = statement(live, R, "102025")
    seen.xlsx = live.http.get(f"/v1/gstr2b/{R}/102025", params={"format": "xlsx"})

    # a new action, and recompute
    act(
        live,
        R,
        {
            "b2b": [{"stin": S1, "inum": "S1/1002", "idt": "09-10-2025", "action": "A"}],
            "b2bcn": [{"stin": S2, "nt_num": "S2/CN/1001", "nt_dt": "18-10-2025", "action": "A", "itcRedReq": "Y"}],
        },
    )
    live.wait_projected()
    recompute(live, R, "102025")
    seen.v2_text, seen.v2 = statement(live, R, "102025")
    seen.v1_again = statement(live, R, "102025", version=1)[0]
    seen.versions = live.http.get(f"/v1/gstr2b/{R}/102025/versions").json()["versions"]
    seen.diff = live.http.get(f"/v1/gstr2b/{R}/102025/diff", params={"from": 1, "to": 2}).json()

    # GSTR-3B 102025 filed; the Pending invoice is accepted and carried into 112025
    gstr3b(live, R, "102025", "2025-11-20")
    seen.late_recompute = live.post(f"/v1/gstr2b/{R}/102025/recompute", {})
    act(live, R, {"b2b": [{"stin": S1, "inum": "S1/1003", "idt": "15-10-2025", "action": "A"}]})
    file(
        live,
        gstr1(S1, "112025", R, b2b=[inv("S1/1101", "05-11-2025", "10000.00", 18, iamt="1800.00")]),
        "2025-12-11",
    )
    live.wait_projected()
    clock(live, "2025-12-14")
    seen.nov_text, seen.nov = statement(live, R, "112025")
    return seen


def test_quarterly_recipient_gets_one_statement_for_the_quarter(walk: SimpleNamespace) -> None:
    assert walk.q_missing == [404, 404], "no statement for 072025 / 082025 of a quarterly recipient"
    data = walk.q_sep["data"]
    assert (data["rtnprd"], data["version"], data["gendt"]) == ("092025", 1, "14-10-2025")
    # 1800.00 (072025) + 3600.00 (082025) + 1500.00 (092025); credit note 900.00
    assert_itcsumm(
        data["itcsumm"],
        {
            ("itcavl", "nonrevsup", "b2b"): ("6900.00", 0, 0, 0),
            ("itcavl", "othersup", "cdnr"): ("900.00", 0, 0, 0),
        },
        {("itcavl", "nonrevsup"): ("6900.00", 0, 0, 0), ("itcavl", "othersup"): ("900.00", 0, 0, 0)},
    )
    assert_table4(walk.q_sep["gstr3b_table4"], {"4A5": ("6000.00", 0, 0, 0)})
    docs = lines(data["docdata"])
    assert {n for _, n in docs} == {"S4/0701", "S4/0801", "S4/0901", "S4/CN/0901"}


def test_september_statement_of_the_monthly_recipient(walk: SimpleNamespace) -> None:
    data = walk.r_sep["data"]
    assert (data["rtnprd"], data["version"], data["gendt"]) == ("092025", 1, "14-10-2025")
    assert_itcsumm(
        data["itcsumm"],
        {
            ("itcavl", "nonrevsup", "b2b"): ("18000.00", 0, 0, 0),
            ("itcavl", "othersup", "cdnr"): ("1800.00", 0, 0, 0),
            ("itcRejected", "nonrevsup", "b2b"): ("9000.00", 0, 0, 0),
        },
        {
            ("itcavl", "nonrevsup"): ("18000.00", 0, 0, 0),
            ("itcavl", "othersup"): ("1800.00", 0, 0, 0),
            ("itcRejected", "nonrevsup"): ("9000.00", 0, 0, 0),
        },
    )
    assert_table4(walk.r_sep["gstr3b_table4"], {"4A5": ("16200.00", 0, 0, 0)})


def test_october_version_1_itcsumm_and_gstr3b_table4(walk: SimpleNamespace) -> None:
    assert walk.before_cutoff == 404, "not generated before the 14th"
    data = walk.v1["data"]
    assert (data["gstin"], data["rtnprd"], data["version"], data["gendt"]) == (R, "102025", 1, "14-11-2025")
    assert_itcsumm(data["itcsumm"], V1_LEAVES, V1_BUCKETS)
    assert_table4(walk.v1["gstr3b_table4"], V1_TABLE4)


def test_october_documents_rejections_and_checksum(walk: SimpleNamespace) -> None:
    data = walk.v1["data"]
    assert hashlib.sha256(data_text(walk.v1_text).encode()).hexdigest() == walk.v1["chksum"]
    docs = lines(data["docdata"])
    assert set(docs) == {
        ("b2b", "S1/1001"),
        ("b2b", "S1/1004"),
        ("b2b", "S2/1001"),
        ("b2b", "S2/1002"),
        ("b2ba", "S1/0901"),
        ("b2ba", "S1/0902"),
        ("cdnr", "S1/DN/1001"),
        ("cdnr", "S1/CN/1001"),
        ("cdnr", "S2/CN/1001"),
        ("cdnra", "S1/CN/0901"),
        ("cdnrrev", "S2/CN/1002"),
        ("ecom", "EC/1001"),
        ("isd", "ISD/1001"),
        ("isd", "ISD/CN/1001"),
        ("impg", "5100001"),
        ("impgsez", "5100002"),
    }, "S1/1003 is Pending (absent), S1/1002 rejected (docRejdata only)"
    first = docs[("b2b", "S1/1001")]
    assert (
        first["ctin"],
        first["supfildt"],
        first["supprd"],
        first["dt"],
        first["itcavl"],
        first["rsn"],
    ) == (S1, "11-11-2025", "102025", "03-10-2025", "Y", None)
    assert (heads(first), D(str(first["val"])), D(str(first["txval"]))) == (
        money("36000.00", 0, 0, 0),
        D("236000.00"),
        D("200000.00"),
    )
    pos_barred = docs[("b2b", "S1/1004")]
    assert (pos_barred["itcavl"], pos_barred["rsn"], heads(pos_barred)) == (
        "N",
        "P",
        money(0, "900.00", "900.00", 0),
    )
    assert docs[("b2b", "S2/1002")]["rev"] == "Y" and heads(docs[("b2b", "S2/1001")]) == money(
        0, "9000.00", "9000.00", "1000.00"
    )
    down, full = docs[("b2ba", "S1/0901")], docs[("b2ba", "S1/0902")]
    assert (down["oinum"], down["oidt"], heads(down), D(str(down["txval"])), D(str(down["val"]))) == (
        "S1/0901",
        "05-09-2025",
        money("-3600.00", 0, 0, 0),
        D("-20000.00"),
        D("-23600.00"),
    )
    assert heads(full) == money("10800.00", 0, 0, 0)
    partial = docs[("cdnr", "S1/CN/1001")]
    assert (partial["typ"], heads(partial)) == ("C", money("1000.00", 0, 0, 0))
    assert (docs[("cdnr", "S1/DN/1001")]["typ"], heads(docs[("cdnr", "S2/CN/1001")])) == (
        "D",
        money(0, 0, 0, 0),
    )
    amended = docs[("cdnra", "S1/CN/0901")]
    assert (amended["ontnum"], amended["ontdt"], heads(amended)) == (
        "S1/CN/0901",
        "20-09-2025",
        money("900.00", 0, 0, 0),
    )
    assert heads(docs[("cdnrrev", "S2/CN/1002")]) == money(0, "250.00", "250.00", 0)
    assert (docs[("ecom", "EC/1001")]["ctin"], heads(docs[("ecom", "EC/1001")])) == (
        S3,
        money("100.00", 0, 0, 0),
    )
    assert (docs[("impg", "5100001")]["ctin"], docs[("impg", "5100001")]["boedt"]) == (R, "15-10-2025")
    rejected = lines(data["docRejdata"])
    assert list(rejected) == [("b2b", "S1/1002")]
    gone = rejected[("b2b", "S1/1002")]
    assert (gone["ctin"], heads(gone), gone.get("remarks")) == (
        S1,
        money("2000.00", 0, 0, 0),
        "rate differs from PO",
    )


def test_isd_invoices_and_isd_credit_notes_are_told_apart_in_docdata(walk: SimpleNamespace) -> None:
    """Both land under docdata "isd" (isdsup.isd and othersup.isd); only `typ` tells the credit note."""
    docs = lines(walk.v1["data"]["docdata"])
    assert docs[("isd", "ISD/CN/1001")]["doctyp"] == "C"
    assert docs[("isd", "ISD/1001")]["doctyp"] == "I", "an ISD invoice is labelled as a credit note"


def test_october_counterparty_summary(walk: SimpleNamespace) -> None:
    """cpsumm: per supplier (and note type for notes, docs/rules.md §7) the ITC-available totals."""
    rows = {
        (section, r["ctin"], r.get("nttyp")): (r["ttldocs"], D(str(r["txval"])), *heads(r))
        for section, section_rows in walk.v1["data"]["cpsumm"].items()
        for r in section_rows
    }
    assert rows[("b2b", S1, None)] == (1, D("200000.00"), *money("36000.00", 0, 0, 0))
    assert rows[("b2b", S2, None)] == (2, D("120000.00"), *money(0, "10800.00", "10800.00", "1000.00"))
    assert rows[("b2ba", S1, None)] == (2, D("40000.00"), *money("7200.00", 0, 0, 0))
    assert rows[("ecom", S3, None)] == (1, D("2000.00"), *money("100.00", 0, 0, 0))
    # S1's debit note (900.00) and its credit note (1000.00 reduction) are different things
    assert rows.get(("cdnr", S1, "D")) == (1, D("5000.00"), *money("900.00", 0, 0, 0)), rows
    assert rows.get(("cdnr", S1, "C")) == (1, D("10000.00"), *money("1000.00", 0, 0, 0)), rows


def test_october_excel_download(walk: SimpleNamespace) -> None:
    assert walk.xlsx.status_code == 200 and walk.xlsx.content[:2] == b"PK"
    workbook = zipfile.ZipFile(BytesIO(walk.xlsx.content)).read("xl/workbook.xml").decode()
    for name in ("Summary", "B2B", "B2BA", "B2B-CDNR", "B2B-CDNRA", "ECO", "ISD", "IMPG", "IMPGSEZ"):
        assert f'name="{name}"' in workbook, name
    sheets = xlsx_sheets(walk.xlsx.content)
    rejected = [name for name in sheets if "Rejected" in name]
    assert rejected == ["B2B (Rejected)"]
    assert [row[sheets[rejected[0]][0].index("inum")] for row in sheets[rejected[0]][1:]] == ["S1/1002"]
    summary_xml = zipfile.ZipFile(BytesIO(walk.xlsx.content)).read("xl/worksheets/sheet1.xml").decode()
    for value in ("36000", "7200", "18000", "9000", "1000", "42300", "1550", "4500"):
        assert f"<v>{value}</v>" in summary_xml, value
    summary = sheets["Summary"]
    assert summary[0] == ["part", "bucket", "section", "igst", "cgst", "sgst", "cess"]
    table = {tuple(row[:3]): tuple(row[3:7]) for row in summary[1:]}
    for key, figures in V1_LEAVES.items():
        assert table[key] == money(*figures), key
    for row, figures in V1_TABLE4.items():
        assert table[("GSTR-3B", "table 4", row)] == money(*figures), row
    ids = {row[sheets["B2B"][0].index("inum")] for row in sheets["B2B"][1:]}
    assert ids == {"S1/1001", "S1/1004", "S2/1001", "S2/1002"}
    assert len(sheets["ISD"]) == 3 and len(sheets["IMPG"]) == 2 and len(sheets["ECO"]) == 2


def test_new_action_and_recompute_make_version_2_and_leave_version_1_identical(walk: SimpleNamespace) -> None:
    data = walk.v2["data"]
    assert (data["version"], data["gendt"]) == (2, "14-11-2025")
    assert_itcsumm(data["itcsumm"], V2_LEAVES, V2_BUCKETS)
    assert_table4(walk.v2["gstr3b_table4"], V2_TABLE4)
    assert data["docRejdata"] == {}
    assert hashlib.sha256(data_text(walk.v2_text).encode()).hexdigest() == walk.v2["chksum"]
    assert walk.v1_again == walk.v1_text, "version 1 is immutable, byte for byte"
    assert [(v["version"], v["trigger"]) for v in walk.versions] == [(1, "cutoff"), (2, "recompute")]
    changes = {(c["change"], c["from_block"], c["to_block"], c["from_tax"], c["to_tax"]) for c in walk.diff["changes"]}
    assert changes == {
        ("changed", "itcRejected", "itcavl", 2000.00, 2000.00),
        ("changed", "itcavl", "itcavl", 0.00, 3600.00),
    }
    late = walk.late_recompute
    assert late.status_code == 409 and late.json()["detail"]["error_cd"] == "GSTR3B_FILED"


def test_pending_document_is_carried_into_the_next_statement(walk: SimpleNamespace) -> None:
    data = walk.nov["data"]
    assert (data["rtnprd"], data["version"], data["gendt"]) == ("112025", 1, "14-12-2025")
    # S1/1101 (1800.00) of November + S1/1003 (5400.00), Pending in October, accepted after its GSTR-3B
    assert_itcsumm(
        data["itcsumm"],
        {("itcavl", "nonrevsup", "b2b"): ("7200.00", 0, 0, 0)},
        {("itcavl", "nonrevsup"): ("7200.00", 0, 0, 0)},
    )
    assert_table4(walk.nov["gstr3b_table4"], {"4A5": ("7200.00", 0, 0, 0)})
    assert set(lines(data["docdata"])) == {("b2b", "S1/1003"), ("b2b", "S1/1101")}


def test_docdata_groups_a_suppliers_documents_by_return_period(walk: SimpleNamespace) -> None:
    """`supfildt` / `supprd` describe the supplier's return a document came from (docs/rules.md §7)."""
    nov = lines(walk.nov["data"]["docdata"])
    assert (nov[("b2b", "S1/1003")]["supprd"], nov[("b2b", "S1/1003")]["supfildt"]) == (
        "102025",
        "11-11-2025",
    )
    assert (nov[("b2b", "S1/1101")]["supprd"], nov[("b2b", "S1/1101")]["supfildt"]) == (
        "112025",
        "11-12-2025",
    )
    quarter = lines(walk.q_sep["data"]["docdata"])
    assert {n: (d["supprd"], d["supfildt"]) for (_, n), d in quarter.items()} == {
        "S4/0701": ("072025", "11-08-2025"),
        "S4/0801": ("082025", "11-09-2025"),
        "S4/0901": ("092025", "11-10-2025"),
        "S4/CN/0901": ("092025", "11-10-2025"),
    }


# ---- ITC-reduction declarations on amendments of documents a filed GSTR-3B already took --------------------
SA = "27AAFCS6006A1ZT"


def _frozen_september(live: Any, rtin: str, body: dict, invdata: dict) -> None:
    """File `body` for 092025, act, let 092025 be generated and its GSTR-3B filed (originals frozen)."""
    file(live, body, "2025-10-11")
    live.wait_projected()
    act(live, rtin, invdata)
    live.wait_projected()
    clock(live, "2025-10-14")
    gstr3b(live, rtin, "092025", "2025-10-20")


def test_downward_invoice_amendment_counts_the_declared_reduction(live_stack) -> None:  # type: ignore[no-untyped-def]
    """docs/rules.md §3: accepting a downward amendment asks "Whether ITC needs to be reduced?"; No → no
    reduction, Yes with amounts → that partial reduction (the difference only by default)."""
    live, rtin = live_stack, "29AAGCD2025B1Z6"
    _frozen_september(
        live,
        rtin,
        gstr1(
            SA,
            "092025",
            rtin,
            b2b=[
                inv("A/0901", "05-09-2025", "100000.00", 18, iamt="18000.00"),
                inv("A/0902", "06-09-2025", "100000.00", 18, iamt="18000.00"),
            ],
        ),
        {
            "b2b": [
                {"stin": SA, "inum": "A/0901", "idt": "05-09-2025", "action": "A"},
                {"stin": SA, "inum": "A/0902", "idt": "06-09-2025", "action": "A"},
            ]
        },
    )
    file(
        live,
        gstr1(
            SA,
            "102025",
            rtin,
            b2ba=[
                inv("A/0901", "05-09-2025", "80000.00", 18, iamt="14400.00", oinum="A/0901", oidt="05-09-2025"),
                inv("A/0902", "06-09-2025", "90000.00", 18, iamt="16200.00", oinum="A/0902", oidt="06-09-2025"),
            ],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    act(
        live,
        rtin,
        {
            "b2ba": [
                {"stin": SA, "inum": "A/0901", "idt": "05-09-2025", "action": "A", "itcRedReq": "N"},
                {
                    "stin": SA,
                    "inum": "A/0902",
                    "idt": "06-09-2025",
                    "action": "A",
                    "itcRedReq": "Y",
                    "declIgst": D("500.00"),
                },
            ]
        },
    )
    live.wait_projected()
    clock(live, "2025-11-14")
    body = statement(live, rtin, "102025")[1]
    docs = lines(body["data"]["docdata"])
    assert {n: heads(d) for (_, n), d in docs.items()} == {
        "A/0901": money(0, 0, 0, 0),  # "No": the 3,600.00 is not reduced
        "A/0902": money("-500.00", 0, 0, 0),  # declared 500.00 of the 1,800.00 difference
    }
    assert heads(body["data"]["itcsumm"]["itcavl"]["nonrevsup"]["b2ba"]) == money("-500.00", 0, 0, 0)
    assert_table4(body["gstr3b_table4"], {"4A5": ("-500.00", 0, 0, 0)})


def test_accepted_upward_credit_note_amendment_counts_only_the_increase(live_stack) -> None:  # type: ignore[no-untyped-def]
    """docs/rules.md §5: an amendment counts as the difference from an original a filed GSTR-3B already took;
    accepting it (default "Yes", full reduction) must reduce by the increase, as No Action does."""
    live, rtin = live_stack, "29AAGCE2025B1Z5"
    _frozen_september(
        live,
        rtin,
        gstr1(
            SA,
            "092025",
            rtin,
            cdnr=[
                note("C", "B/CN/0901", "20-09-2025", "10000.00", 18, iamt="1800.00"),
                note("C", "B/CN/0902", "21-09-2025", "10000.00", 18, iamt="1800.00"),
            ],
        ),
        {
            "b2bcn": [
                {"stin": SA, "nt_num": "B/CN/0901", "nt_dt": "20-09-2025", "action": "A"},
                {"stin": SA, "nt_num": "B/CN/0902", "nt_dt": "21-09-2025", "action": "A"},
            ]
        },
    )
    file(
        live,
        gstr1(
            SA,
            "102025",
            rtin,
            cdnra=[
                note(
                    "C",
                    "B/CN/0901",
                    "20-09-2025",
                    "15000.00",
                    18,
                    iamt="2700.00",
                    ont_num="B/CN/0901",
                    ont_dt="20-09-2025",
                ),
                note(
                    "C",
                    "B/CN/0902",
                    "21-09-2025",
                    "15000.00",
                    18,
                    iamt="2700.00",
                    ont_num="B/CN/0902",
                    ont_dt="21-09-2025",
                ),
            ],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    act(live, rtin, {"b2bcna": [{"stin": SA, "nt_num": "B/CN/0901", "nt_dt": "20-09-2025", "action": "A"}]})
    live.wait_projected()
    clock(live, "2025-11-14")
    body = statement(live, rtin, "102025")[1]
    docs = lines(body["data"]["docdata"])
    assert {n: heads(d) for (_, n), d in docs.items()} == {
        "B/CN/0901": money("900.00", 0, 0, 0),  # accepted: 2,700.00 - 1,800.00 already reduced in 092025
        "B/CN/0902": money("900.00", 0, 0, 0),  # no action (deemed accepted): the same
    }
    assert heads(body["data"]["itcsumm"]["itcavl"]["othersup"]["cdnra"]) == money("1800.00", 0, 0, 0)
    assert_table4(body["gstr3b_table4"], {"4A5": ("-1800.00", 0, 0, 0)})


RF, ISDF = "29AAGCF2025B1Z4", "33AAGCF2025B2ZE"  # a recipient and its input service distributor (same PAN)


def test_every_other_amendment_section_counts_the_difference_from_its_frozen_original(live_stack) -> None:  # type: ignore[no-untyped-def]
    """The sections the walk leaves empty: debit-note (b2bdna), reverse-charge invoice and credit-note
    (revsup b2ba, cdnrarev), ECO (ecoma), ISD invoice and credit-note (isda) and Bill of Entry (impga,
    impgasez) amendments, each counting its difference from an original the September GSTR-3B took."""
    live = live_stack
    bulk_accept = {"action": "A", "filter": {}}
    isd_row = {"camt": 0, "samt": 0, "csamt": 0}
    boe = {"rtin": RF, "port_code": "INBLR4", "boe_dt": "15-09-2025", "csamt": 0}
    file(
        live,
        gstr1(
            SA,
            "092025",
            RF,
            b2b=[inv("F/RC", "05-09-2025", "10000.00", 18, rchrg="Y", iamt="1800.00")],
            cdnr=[
                note("D", "F/DN", "06-09-2025", "5000.00", 18, iamt="900.00"),
                note("C", "F/RCN", "07-09-2025", "1000.00", 18, rchrg="Y", iamt="180.00"),
            ],
        ),
        "2025-10-11",
    )
    operator = {"stin": S3, "rtin": RF}
    file(
        live,
        {
            "gstin": OPERATOR,
            "fp": "092025",
            "ecom": {"b2b": [operator | {"inv": [inv("F/EC", "08-09-2025", "2000.00", 5, iamt="100.00")]}]},
        },
        "2025-10-11",
    )
    isd_docs = [("ISD", "F/ISD", "5000.00"), ("ISDCN", "F/ISDCN", "500.00")]
    file(
        live,
        {
            "gstin": ISDF,
            "fp": "092025",
            "isd": [
                {
                    "ctin": RF,
                    "doclst": [
                        isd_row | {"isd_docty": kind, "docnum": n, "docdt": "10-09-2025", "iamt": D(v)}
                        for kind, n, v in isd_docs
                    ],
                }
            ],
        },
        "2025-10-13",
        form="gstr6",
    )
    file(
        live,
        {
            "boe": [
                boe
                | {
                    "boe_num": "6100001",
                    "refdt": "20-09-2025",
                    "txval": D("100000.00"),
                    "iamt": D("18000.00"),
                    "is_sez": "N",
                },
                boe
                | {
                    "boe_num": "6100002",
                    "refdt": "20-09-2025",
                    "txval": D("50000.00"),
                    "iamt": D("9000.00"),
                    "is_sez": "Y",
                },
            ]
        },
        form="boe",
    )
    live.wait_projected()
    assert live.post(f"/v1/ims/{RF}/actions/bulk", bulk_accept).json()["proc_cnt"] == 6  # RCM skips IMS
    live.wait_projected()
    clock(live, "2025-10-14")
    gstr3b(live, RF, "092025", "2025-10-20")

    file(
        live,
        gstr1(
            SA,
            "102025",
            RF,
            b2ba=[
                inv("F/RC", "05-09-2025", "12000.00", 18, rchrg="Y", iamt="2160.00", oinum="F/RC", oidt="05-09-2025")
            ],
            cdnra=[
                note("D", "F/DN", "06-09-2025", "7000.00", 18, iamt="1260.00", ont_num="F/DN", ont_dt="06-09-2025"),
                note(
                    "C",
                    "F/RCN",
                    "07-09-2025",
                    "1500.00",
                    18,
                    rchrg="Y",
                    iamt="270.00",
                    ont_num="F/RCN",
                    ont_dt="07-09-2025",
                ),
            ],
        ),
        "2025-11-11",
    )
    amended_eco = inv("F/EC", "08-09-2025", "1600.00", 5, iamt="80.00", oinum="F/EC", oidt="08-09-2025")
    file(
        live, {"gstin": OPERATOR, "fp": "102025", "ecoma": {"b2ba": [operator | {"inv": [amended_eco]}]}}, "2025-11-11"
    )
    file(
        live,
        {
            "gstin": ISDF,
            "fp": "102025",
            "isda": [
                {
                    "ctin": RF,
                    "doclst": [
                        isd_row
                        | {
                            "isd_docty": kind,
                            "docnum": n,
                            "docdt": "10-09-2025",
                            "odocnum": n,
                            "odocdt": "10-09-2025",
                            "iamt": D(v),
                        }
                        for kind, n, v in (("ISD", "F/ISD", "6000.00"), ("ISDCN", "F/ISDCN", "600.00"))
                    ],
                }
            ],
        },
        "2025-11-13",
        form="gstr6",
    )
    amended_boe = boe | {"refdt": "20-10-2025", "amd": "Y", "oboe_dt": "15-09-2025"}
    file(
        live,
        {
            "boe": [
                amended_boe
                | {
                    "boe_num": "6100001",
                    "oboe_num": "6100001",
                    "txval": D("110000.00"),
                    "iamt": D("20000.00"),
                    "is_sez": "N",
                },
                amended_boe
                | {
                    "boe_num": "6100002",
                    "oboe_num": "6100002",
                    "txval": D("45000.00"),
                    "iamt": D("8000.00"),
                    "is_sez": "Y",
                },
            ]
        },
        form="boe",
    )
    live.wait_projected()
    assert live.post(f"/v1/ims/{RF}/actions/bulk", bulk_accept).json()["proc_cnt"] == 6
    live.wait_projected()
    clock(live, "2025-11-14")
    body = statement(live, RF, "102025")[1]
    data = body["data"]
    assert_itcsumm(
        data["itcsumm"],
        {
            ("itcavl", "nonrevsup", "cdnra"): ("360.00", 0, 0, 0),  # debit note 900.00 -> 1,260.00
            ("itcavl", "nonrevsup", "ecoma"): ("-20.00", 0, 0, 0),  # 100.00 -> 80.00
            ("itcavl", "revsup", "b2ba"): ("360.00", 0, 0, 0),  # reverse charge 1,800.00 -> 2,160.00
            ("itcavl", "isdsup", "isda"): ("1000.00", 0, 0, 0),  # 5,000.00 -> 6,000.00
            ("itcavl", "othersup", "cdnrarev"): ("90.00", 0, 0, 0),  # reverse-charge credit note 180.00 -> 270.00
            ("itcavl", "othersup", "isda"): ("100.00", 0, 0, 0),  # ISD credit note 500.00 -> 600.00
            ("itcavl", "imports", "impga"): ("2000.00", 0, 0, 0),  # 18,000.00 -> 20,000.00
            ("itcavl", "imports", "impgasez"): ("-1000.00", 0, 0, 0),  # 9,000.00 -> 8,000.00
        },
        {
            ("itcavl", "nonrevsup"): ("340.00", 0, 0, 0),
            ("itcavl", "revsup"): ("360.00", 0, 0, 0),
            ("itcavl", "isdsup"): ("1000.00", 0, 0, 0),
            ("itcavl", "imports"): ("1000.00", 0, 0, 0),
            ("itcavl", "othersup"): ("190.00", 0, 0, 0),
        },
    )
    assert_table4(
        body["gstr3b_table4"],
        {
            "4A1": ("1000.00", 0, 0, 0),
            "4A3": ("270.00", 0, 0, 0),
            "4A4": ("900.00", 0, 0, 0),
            "4A5": ("340.00", 0, 0, 0),
        },
    )
    assert heads(data["itcsumm"]["itcavl"]) == money("2510.00", 0, 0, 0)  # 1,000.00 + 270.00 + 900.00 + 340.00
