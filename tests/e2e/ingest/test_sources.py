"""Ingest over HTTP, end to end (docs/rules.md §1): documents from an e-commerce operator's table 15, an
input service distributor's GSTR-6 and Bills of Entry land in their IMS rows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.ingest_helpers import (
    FILED_11,
    ZERO,
    accepted,
    act,
    counts,
    d,
    documents,
    events_of,
    ok,
    party,
)
from tests.support.payloads import example

pytestmark = pytest.mark.e2e
EXAMPLE_RECIPIENT = "29AABCM7710Q1ZX"  # of the example table-15 return


# --- other sources --------------------------------------------------------------------------------------


def test_eco_table_15_example_lands_in_section_ecom_with_the_operator_as_etin(live_stack) -> None:  # type: ignore[no-untyped-def]
    answer = ok(live_stack, FILED_11, example("gstr1-eco-9-5.json"))
    accepted(answer, 1)
    (event,) = events_of(live_stack, answer["reference_id"])
    (doc,) = event.record["documents"]
    assert (event.key, event.record["filer"]) == (EXAMPLE_RECIPIENT, "07AAFCE1049J1C0")
    assert (
        doc["key"],
        doc["section"],
        doc["supplier"],
        doc["ecom_operator"],
        doc["route"],
        doc["value"],
    ) == ("ecom|07ABCPD1234E1ZG|2025|ECO-77812", "ecom", "07ABCPD1234E1ZG", "07AAFCE1049J1C0", "ims", 157500)

    live_stack.wait_projected()
    (record,) = documents(live_stack, EXAMPLE_RECIPIENT, "ecom")
    assert {k: record[k] for k in ("stin", "inum", "idt", "etin", "val", "txval", "iamt", "srcform", "gstr2bprd")} == {
        "stin": "07ABCPD1234E1ZG",
        "inum": "ECO-77812",
        "idt": "18-10-2025",
        "etin": "07AAFCE1049J1C0",
        "val": Decimal("1575.00"),
        "txval": Decimal("1500.00"),
        "iamt": Decimal("75.00"),
        "srcform": "R1",
        "gstr2bprd": "102025",
    }
    assert counts(live_stack, EXAMPLE_RECIPIENT)["all_oth"]["ecom"] == {**ZERO, "noaction": 1}


def test_gstr6_isd_documents_land_in_the_isd_rows_of_each_unit(live_stack) -> None:  # type: ignore[no-untyped-def]
    isd = party("29", "IS")
    other_state = party("27", "IS")  # same PAN, another state: IGST
    same_state = party("29", "IS", entity="2")  # same PAN and state: CGST = SGST
    payload = {
        "gstin": isd,
        "fp": "102025",
        "isd": [
            {
                "ctin": other_state,
                "doclst": [
                    {
                        "isd_docty": "ISD",
                        "docnum": "ISD-1",
                        "docdt": "10-10-2025",
                        "iamt": d("5000.00"),
                        "camt": 0,
                        "samt": 0,
                        "csamt": 0,
                    }
                ],
            },
            {
                "ctin": same_state,
                "doclst": [
                    {
                        "isd_docty": "ISDCN",
                        "docnum": "ICN-1",
                        "docdt": "11-10-2025",
                        "iamt": 0,
                        "camt": d("250.50"),
                        "samt": d("250.50"),
                        "csamt": 0,
                    }
                ],
            },
        ],
    }
    answer = ok(live_stack, "/v1/returns/gstr6?status=filed&filed_on=2025-11-13", payload)
    accepted(answer, 2)
    events = events_of(live_stack, answer["reference_id"])
    sections = {
        e.key: [(doc["section"], doc["value"], doc["gstr2b_period"]) for doc in e.record["documents"]] for e in events
    }
    assert sections == {other_state: [("isd", 500000, "102025")], same_state: [("isdcn", 50100, "102025")]}

    live_stack.wait_projected()
    (invoice_record,) = documents(live_stack, other_state, "isd")
    assert (
        invoice_record["stin"],
        invoice_record["inum"],
        invoice_record["idt"],
        invoice_record["iamt"],
    ) == (isd, "ISD-1", "10-10-2025", Decimal("5000.00"))
    assert invoice_record["srcform"] == "R6"
    (note_record,) = documents(live_stack, same_state, "isdcn")
    assert (note_record["nt_num"], note_record["nt_dt"], note_record["camt"], note_record["samt"]) == (
        "ICN-1",
        "11-10-2025",
        Decimal("250.50"),
        Decimal("250.50"),
    )
    assert counts(live_stack, other_state)["inv_supp_isd"]["isd"] == {**ZERO, "noaction": 1}
    assert counts(live_stack, same_state)["inv_supp_isd"]["isdcn"] == {**ZERO, "noaction": 1}


def test_bill_of_entry_lands_in_impg_and_can_be_accepted_but_not_rejected(live_stack) -> None:  # type: ignore[no-untyped-def]
    importer = party("27", "BE")
    boe = {
        "rtin": importer,
        "port_code": "INNSA1",
        "boe_num": "7654321",
        "boe_dt": "05-10-2025",
        "refdt": "15-10-2025",
        "txval": d("100000.00"),
        "iamt": d("18000.00"),
        "csamt": 0,
        "is_sez": "N",
        "amd": "N",
    }
    bad_port = {**boe, "boe_num": "7654322", "port_code": "NSA1"}
    answer = ok(live_stack, "/v1/imports/boe", {"boe": [boe, bad_port]})
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 1, 1)
    assert answer["error_report"] == {
        "impg": [
            {
                "rtin": importer,
                "boe_num": "7654322",
                "error_cd": "INVALID_PORT_CODE",
                "error_msg": "port_code: must be 6 letters or digits, got 'NSA1'",
            }
        ]
    }
    (event,) = events_of(live_stack, answer["reference_id"])
    (doc,) = event.record["documents"]
    assert (event.key, event.record["form"], event.record["filed_on"]) == (importer, "boe", "2025-10-15")
    assert (
        doc["section"],
        doc["port_code"],
        doc["value"],
        doc["igst"],
        doc["gstr2b_period"],
        doc["route"],
    ) == ("impg", "INNSA1", 11800000, 1800000, "102025", "ims")

    live_stack.wait_projected()
    (record,) = documents(live_stack, importer, "impg")
    assert (record["stin"], record["boenum"], record["boedt"], record["portcode"], record["srcform"]) == (
        importer,
        "7654321",
        "05-10-2025",
        "INNSA1",
        "ICEGATE",
    )
    rejected = act(live_stack, importer, "impg", record, "R")
    assert rejected["status_cd"] == "ER" and rejected["proc_cnt"] == "0"
    assert rejected["error_report"] == {
        "impg": [
            {
                "stin": importer,
                "error_cd": "REJECT_NOT_ALLOWED",
                "error_msg": "action: import of goods documents can be accepted or kept pending only",
                "inv": [{"boenum": "7654321"}],
            }
        ]
    }
    assert act(live_stack, importer, "impg", record, "A")["status_cd"] == "P"
    live_stack.wait_projected()
    assert counts(live_stack, importer)["imp_gds"]["impg"] == {**ZERO, "accept": 1}
