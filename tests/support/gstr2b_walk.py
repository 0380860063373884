"""The GSTR-2B walk of tests/e2e/gstr2b/test_scenario.py (its docstring tells the story and the figures):
one monthly and one quarterly recipient through every section, two months, a recompute and a GSTR-3B."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from services.common.gst.gstin import check_character
from tests.support.gstr2b_flow import clock, gstr3b, recompute, statement
from tests.support.gstr2b_more_rows import amended_inv, amended_note, boe, eco, isd_doc, isd_return
from tests.support.gstr2b_returns import D, act, file, gstr1, inv, note

R = "29AAGCR2025B1ZS"  # monthly recipient
Q = "29AAGCQ2025B1ZT"  # quarterly recipient
S1 = "27AAFCS1001A1Z8"  # inter-state supplier of R
S2 = "29AAFCS2002A1Z1"  # intra-state supplier of R
S3 = "33AAFCS3003A1Z9"  # seller through the e-commerce operator
OPERATOR = "07AAFCO4004A1Z5"  # e-commerce operator (table 15)
ISD = "33AAGCR2025B2Z2"  # R's input service distributor
S4 = "27AAFCS5005A1ZW"  # supplier of Q
SEZ = "29AAFCZ6006A1ZI"  # an SEZ unit whose goods R imports (Bill of Entry 5100002)
for _gstin in (R, Q, S1, S2, S3, OPERATOR, ISD, S4, SEZ):
    assert check_character(_gstin[:14]) == _gstin[14], _gstin


def walk_through(live: Any) -> SimpleNamespace:
    """Every step of the walk on `live`; what the tests look at is kept on the namespace returned."""
    seen = SimpleNamespace()

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
                amended_inv("S1/0901", "05-09-2025", "80000.00", 18, iamt="14400.00"),
                amended_inv("S1/0902", "10-09-2025", "60000.00", 18, iamt="10800.00"),
            ],
            cdnr=[
                note("D", "S1/DN/1001", "22-10-2025", "5000.00", 18, iamt="900.00"),
                note("C", "S1/CN/1001", "25-10-2025", "10000.00", 18, iamt="1800.00"),
            ],
            cdnra=[amended_note("C", "S1/CN/0901", "20-09-2025", "15000.00", 18, iamt="2700.00")],
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
    ecom = [inv("EC/1001", "18-10-2025", "2000.00", 5, iamt="100.00")]
    file(live, eco(OPERATOR, "102025", S3, R, ecom=ecom), "2025-11-11", count=1)
    isd = [isd_doc("ISD", "ISD/1001", "10-10-2025", "5000.00"), isd_doc("ISDCN", "ISD/CN/1001", "12-10-2025", "500.00")]
    file(live, isd_return(ISD, "102025", R, "isd", isd), "2025-11-13", form="gstr6", count=2)
    boes = [
        boe(R, "5100001", "15-10-2025", "20-10-2025", "100000.00", "18000.00"),
        boe(R, "5100002", "15-10-2025", "20-10-2025", "50000.00", "9000.00", is_sez="Y", sez_gstin=SEZ),
    ]
    file(live, {"boe": boes}, form="boe", count=2)
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
