"""The GSTR-2B statements of one recipient G (Karnataka) with a document of every section, through the live stack
(tests/e2e/test_gstr2b_key_paths.py tells the story; tests/e2e/test_gstr2b_workbook.py reads its workbook).

Its October 2025 statement holds: b2b (one POS-barred), b2ba, cdnr (a debit note, credit notes, one under reverse
charge), cdnra, ecom, ecoma (an operator's table 15), isd and isda (its distributor's GSTR-6), impg and impgsez
with amended Bills of Entry, a Rule 37A reversal of a supplier's February and March documents (reported 1 October
2025), and a rejected document of each kind that can be rejected (imports cannot). G, its supplier S1 and the SEZ
unit are in the registry of taxpayer names; the defaulter D is not.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from services.common.gst.periods import Period
from tests.support.gstr2b_flow import clock, gstr3b, gstr3b_each_month, statement
from tests.support.gstr2b_more_rows import amended_inv, amended_note, boe, eco, isd_doc, isd_return
from tests.support.gstr2b_oracle import fresh_gstin, sibling_gstin
from tests.support.gstr2b_returns import D, act, file, gstr1, inv, note

RECIPIENT_NAMES = ("Ganesh Engineering Works Private Limited", "Ganesh Engineering")
REJECTED_REMARKS = "rate differs from the purchase order"
PERIODS = ("022025", "032025", "042025", "052025", "062025", "072025", "082025", "092025", "102025")


def walk_every_section(live: Any) -> SimpleNamespace:
    """Every step; returns the parties and G's statements by period."""
    g = SimpleNamespace(
        G=fresh_gstin("29"),
        D=fresh_gstin("27"),  # the supplier whose GSTR-3B is missing: Rule 37A
        S1=fresh_gstin("27"),
        OP=fresh_gstin("07"),
        SELLER=fresh_gstin("33"),
        SEZ=fresh_gstin("27"),
    )
    g.ISD = sibling_gstin(g.G, "33")
    G, S1, ISD, SEZ = g.G, g.S1, g.ISD, g.SEZ

    # February and March (FY 2024-25): the defaulter's invoice and debit note, then their amendments
    february = gstr1(
        g.D,
        "022025",
        G,
        b2b=[inv("D/1", "10-02-2025", "100000.00", 18, iamt="18000.00")],
        cdnr=[note("D", "D/DN1", "12-02-2025", "10000.00", 18, iamt="1800.00")],
    )
    file(live, february, "2025-03-11")
    live.wait_projected()
    clock(live, "2025-03-14")
    gstr3b(live, G, "022025", "2025-03-20")
    march = gstr1(
        g.D,
        "032025",
        G,
        b2ba=[amended_inv("D/1", "10-02-2025", "120000.00", 18, iamt="21600.00")],
        cdnra=[amended_note("D", "D/DN1", "12-02-2025", "12000.00", 18, iamt="2160.00")],
    )
    file(live, march, "2025-04-11")
    live.wait_projected()
    gstr3b_each_month(live, G, Period(2025, 3), Period(2025, 8))

    # September: the originals October amends
    file(
        live,
        gstr1(
            S1,
            "092025",
            G,
            b2b=[
                inv("S1/0901", "05-09-2025", "100000.00", 18, iamt="18000.00"),
                inv("S1/0902", "06-09-2025", "50000.00", 18, iamt="9000.00"),
            ],
            cdnr=[
                note("C", "S1/CN/0901", "20-09-2025", "10000.00", 18, iamt="1800.00"),
                note("C", "S1/CN/0902", "21-09-2025", "5000.00", 18, iamt="900.00"),
            ],
        ),
        "2025-10-11",
    )
    september_eco = [inv(f"EC/090{n}", "08-09-2025", "2000.00", 5, iamt="100.00") for n in (1, 2)]
    file(live, eco(g.OP, "092025", g.SELLER, G, ecom=september_eco), "2025-10-11")
    september_isd = [isd_doc("ISD", f"ISD/090{n}", "10-09-2025", "5000.00") for n in (1, 2)]
    file(live, isd_return(ISD, "092025", G, "isd", september_isd), "2025-10-13", form="gstr6")
    sez = {"is_sez": "Y", "sez_gstin": SEZ}
    september_boes = [
        boe(G, "7000001", "15-09-2025", "20-09-2025", "100000.00", "18000.00"),
        boe(G, "7000002", "15-09-2025", "20-09-2025", "50000.00", "9000.00", **sez),
    ]
    file(live, {"boe": september_boes}, form="boe")
    live.wait_projected()
    clock(live, "2025-10-14")
    gstr3b(live, G, "092025", "2025-10-20")
    report = live.post(f"/v1/suppliers/{g.D}/rule37a", {"periods": ["022025", "032025"], "reported_on": "2025-10-01"})
    assert report.status_code == 200, report.text

    # October: every section
    file(
        live,
        gstr1(
            S1,
            "102025",
            G,
            b2b=[
                inv("S1/1001", "03-10-2025", "200000.00", 18, iamt="36000.00"),
                inv("S1/1002", "04-10-2025", "40000.00", 5, iamt="2000.00"),
                inv("S1/1003", "05-10-2025", "10000.00", 18, pos="27", camt="900.00", samt="900.00"),
            ],
            b2ba=[
                amended_inv("S1/0901", "05-09-2025", "80000.00", 18, iamt="14400.00"),
                amended_inv("S1/0902", "06-09-2025", "60000.00", 18, iamt="10800.00"),
            ],
            cdnr=[
                note("C", "S1/CN/1001", "25-10-2025", "10000.00", 18, iamt="1800.00"),
                note("D", "S1/DN/1001", "22-10-2025", "5000.00", 18, iamt="900.00"),
                note("C", "S1/CN/1002", "26-10-2025", "2000.00", 18, iamt="360.00"),
                note("C", "S1/RCN/1001", "27-10-2025", "1000.00", 18, rchrg="Y", iamt="180.00"),
            ],
            cdnra=[
                amended_note("C", "S1/CN/0901", "20-09-2025", "15000.00", 18, iamt="2700.00"),
                amended_note("C", "S1/CN/0902", "21-09-2025", "6000.00", 18, iamt="1080.00"),
            ],
        ),
        "2025-11-11",
    )
    eco_amendments = [amended_inv(f"EC/090{n}", "08-09-2025", "1600.00", 5, iamt="80.00") for n in (1, 2)]
    october_eco = [inv(f"EC/100{n}", "18-10-2025", "2000.00", 5, iamt="100.00") for n in (1, 2)]
    file(live, eco(g.OP, "102025", g.SELLER, G, ecom=october_eco, ecoma=eco_amendments), "2025-11-11")
    october_isd = [
        isd_doc("ISD", "ISD/1001", "10-10-2025", "5000.00"),
        isd_doc("ISDCN", "ISD/CN/1001", "12-10-2025", "500.00"),
        isd_doc("ISD", "ISD/1002", "13-10-2025", "700.00"),
    ]
    file(live, isd_return(ISD, "102025", G, "isd", october_isd), "2025-11-13", form="gstr6")
    isd_amendments = [
        isd_doc("ISD", f"ISD/090{n}", "10-09-2025", "6000.00", odocnum=f"ISD/090{n}", odocdt="10-09-2025")
        for n in (1, 2)
    ]
    file(live, isd_return(ISD, "102025", G, "isda", isd_amendments), "2025-11-13", form="gstr6")
    amended = {"amd": "Y", "oboe_dt": "15-09-2025"}
    october_boes = [
        boe(G, "7100001", "15-10-2025", "20-10-2025", "100000.00", "18000.00"),
        boe(G, "7100002", "15-10-2025", "20-10-2025", "50000.00", "9000.00", **sez),
        boe(G, "7000001", "15-09-2025", "20-10-2025", "110000.00", "20000.00", oboe_num="7000001", **amended),
        boe(G, "7000002", "15-09-2025", "20-10-2025", "45000.00", "8000.00", oboe_num="7000002", **amended, **sez),
    ]
    file(live, {"boe": october_boes}, form="boe")
    live.wait_projected()
    assert live.post(f"/v1/ims/{G}/actions/bulk", {"action": "A", "filter": {}}).status_code == 200
    live.wait_projected()
    reject = {"action": "R"}
    act(
        live,
        G,
        {
            "b2b": [{"stin": S1, "inum": "S1/1002", "idt": "04-10-2025", "remarks": REJECTED_REMARKS} | reject],
            "b2ba": [
                {
                    "stin": S1,
                    "inum": "S1/0901",
                    "idt": "05-09-2025",
                    "action": "A",
                    "itcRedReq": "Y",
                    "declIgst": D("1000.00"),
                },
                {"stin": S1, "inum": "S1/0902", "idt": "06-09-2025"} | reject,
            ],
            "b2bcn": [
                {"stin": S1, "nt_num": "S1/CN/1001", "nt_dt": "25-10-2025", "action": "A", "itcRedReq": "Y"}
                | {"declIgst": D("1000.00")},
                {"stin": S1, "nt_num": "S1/CN/1002", "nt_dt": "26-10-2025"} | reject,
            ],
            "b2bcna": [
                {"stin": S1, "nt_num": "S1/CN/0901", "nt_dt": "20-09-2025", "action": "A", "itcRedReq": "N"},
                {"stin": S1, "nt_num": "S1/CN/0902", "nt_dt": "21-09-2025"} | reject,
            ],
            "ecom": [{"stin": g.SELLER, "inum": "EC/1002", "idt": "18-10-2025"} | reject],
            "ecoma": [{"stin": g.SELLER, "inum": "EC/0902", "idt": "08-09-2025"} | reject],
            "isd": [{"stin": ISD, "inum": "ISD/1002", "idt": "13-10-2025"} | reject],
            "isda": [{"stin": ISD, "inum": "ISD/0902", "idt": "10-09-2025"} | reject],
        },
    )
    live.wait_projected()
    clock(live, "2025-11-14")
    names = [
        {"gstin": G, "legal_name": RECIPIENT_NAMES[0], "trade_name": RECIPIENT_NAMES[1]},
        {"gstin": S1, "legal_name": "Kumar Textiles Private Limited", "trade_name": "Kumar Fabrics"},
        {"gstin": SEZ, "legal_name": "Coastal SEZ Exports LLP", "trade_name": ""},
    ]  # the defaulter D stays unknown
    assert live.post("/v1/admin/taxpayers", {"taxpayers": names}).json()["status_cd"] == "P"
    live.wait_projected("registry")
    g.statements = {p: statement(live, G, p)[1] for p in PERIODS}
    return g
