"""Every amendment section the GSTR-2B walk leaves empty counts the difference from an original a filed
GSTR-3B took (docs/rules.md §5, §7), filed through its own source: debit-note and reverse-charge GSTR-1
amendments, an e-commerce operator's table 15, an input service distributor's GSTR-6 and Bills of Entry."""

from __future__ import annotations

import pytest

from tests.support.gstr2b_flow import clock, gstr3b, statement
from tests.support.gstr2b_returns import D, assert_itcsumm, assert_table4, file, gstr1, heads, inv, money, note
from tests.support.gstr2b_walk import OPERATOR, S3

pytestmark = pytest.mark.e2e
SA = "27AAFCS6006A1ZT"
RF, ISDF = "29AAGCF2025B1Z4", "33AAGCF2025B2ZE"  # a recipient and its input service distributor (same PAN)
SEZ = "27AAFCZ7007A1ZJ"  # the SEZ unit whose goods RF imports


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
                    "sez_gstin": SEZ,
                },
            ]
        },
        form="boe",
    )
    live.wait_projected()
    assert live.post(f"/v1/ims/{RF}/actions/bulk", bulk_accept).json()["proc_cnt"] == "6"  # RCM skips IMS
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
                    "sez_gstin": SEZ,
                },
            ]
        },
        form="boe",
    )
    live.wait_projected()
    assert live.post(f"/v1/ims/{RF}/actions/bulk", bulk_accept).json()["proc_cnt"] == "6"
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
    net = [sum(heads(body["gstr3b_table4"][row])[i] for row in ("4A1", "4A3", "4A4", "4A5")) for i in range(4)]
    assert tuple(net) == money("2510.00", 0, 0, 0)  # 1,000.00 + 270.00 + 900.00 + 340.00
