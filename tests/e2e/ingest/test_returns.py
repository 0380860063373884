"""Ingest over HTTP, end to end (docs/rules.md §1, §8, §9): the example GSTR-1 appended as exact
`DocumentsFiled` events, one per recipient; a partly invalid return answered PE with exact error rows."""

from __future__ import annotations

import pytest

from tests.support.ingest_helpers import (
    FILED_11,
    HEX64,
    accepted,
    b2b,
    by_number,
    counts,
    documents,
    events_of,
    gstr1,
    inter_state,
    invoice,
    item,
    ok,
    party,
    raw_return_count,
)
from tests.support.payloads import example

pytestmark = pytest.mark.e2e


# --- the example GSTR-1: exact events -------------------------------------------------------------------

EXAMPLE_SUPPLIER = "27AAPFK4821M1ZT"
EXAMPLE_RECIPIENT = "29AABCM7710Q1ZX"
EXAMPLE_OTHER = "33AAGCN3302H1ZX"


def test_example_gstr1_appends_one_documents_filed_event_per_recipient_with_exact_documents(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    answer = ok(live_stack, FILED_11, example("gstr1-supplier.json"))
    accepted(answer, 7)
    ref = answer["reference_id"]

    events = events_of(live_stack, ref)
    assert sorted(e.key for e in events) == [EXAMPLE_RECIPIENT, EXAMPLE_OTHER]
    for event in events:
        # version 2: each document names an SEZ supplier, which only a Bill of Entry has (docs/rules.md §1.6)
        assert event.envelope.event_type == "DocumentsFiled" and event.envelope.schema_version == 2
        assert event.envelope.correlation_id == ref and event.envelope.actor == "test-admin"
        header = {k: v for k, v in event.record.items() if k != "documents"}
        assert header == {
            "reference_id": ref,
            "form": "gstr1",
            "filer": EXAMPLE_SUPPLIER,
            "return_period": "102025",
            "status": "filed",
            "filed_on": "2025-11-11",
            "recipient": event.key,
            "chunk": 0,
            "chunks": 1,
        }
        for doc in event.record["documents"]:
            assert HEX64.fullmatch(doc["version_hash"])
            assert doc["supplier"] == EXAMPLE_SUPPLIER and doc["source_form"] == "R1" and not doc["deleted"]
            assert doc["sez_supplier"] is None

    docs = {e.key: {doc["number"]: doc for doc in e.record["documents"]} for e in events}
    summary = {
        number: (
            doc["key"],
            doc["section"],
            doc["route"],
            doc["part"],
            doc["reason"],
            doc["gstr2b_period"],
            doc["reverse_charge"],
            doc["original_key"],
            doc["value"],
            doc["taxable"],
            doc["igst"],
            doc["cgst"] + doc["sgst"] + doc["cess"],
        )
        for number, doc in docs[EXAMPLE_RECIPIENT].items()
    }
    s = EXAMPLE_SUPPLIER
    assert summary == {
        "MH/25-26/0001": (
            f"b2b|{s}|2025|MH/25-26/0001",
            "b2b",
            "ims",
            "ims",
            "",
            "102025",
            False,
            None,
            11800000,
            10000000,
            1800000,
            0,
        ),
        "MH/25-26/0002": (
            f"b2b|{s}|2025|MH/25-26/0002",
            "b2b",
            "ims",
            "ims",
            "",
            "102025",
            False,
            None,
            2625053,
            2500050,
            125003,
            0,
        ),
        "MH/25-26/0003": (
            f"b2b|{s}|2025|MH/25-26/0003",
            "b2b",
            "gstr2b",
            "revsup",
            "",
            "102025",
            True,
            None,
            944000,
            800000,
            144000,
            0,
        ),
        "MH/25-26/0107": (
            f"b2ba|{s}|2025|MH/25-26/0107",
            "b2ba",
            "ims",
            "ims",
            "",
            "102025",
            False,
            f"b2b|{s}|2025|MH/25-26/0107",
            7080000,
            6000000,
            1080000,
            0,
        ),
        "CN/25-26/011": (
            f"b2bcn|{s}|2025|CN/25-26/011",
            "b2bcn",
            "ims",
            "ims",
            "",
            "102025",
            False,
            None,
            590000,
            500000,
            90000,
            0,
        ),
        "DN/25-26/004": (
            f"b2bdna|{s}|2025|DN/25-26/004",
            "b2bdna",
            "ims",
            "ims",
            "",
            "102025",
            False,
            f"b2bdn|{s}|2025|DN/25-26/004",
            118000,
            100000,
            18000,
            0,
        ),
    }
    second = docs[EXAMPLE_RECIPIENT]["MH/25-26/0002"]
    assert second["items"] == [{"rate": "5", "taxable": 2500050, "igst": 125003, "cgst": 0, "sgst": 0, "cess": 0}]
    assert (second["doc_date"], second["pos"], second["inv_typ"]) == ("2025-10-09", "29", "R")
    assert docs[EXAMPLE_RECIPIENT]["CN/25-26/011"]["note_type"] == "C"
    assert docs[EXAMPLE_RECIPIENT]["MH/25-26/0107"]["orig_number"] == "MH/25-26/0107"
    assert docs[EXAMPLE_RECIPIENT]["MH/25-26/0107"]["orig_date"] == "2025-09-28"
    assert list(docs[EXAMPLE_OTHER]) == ["MH/25-26/0004"]
    assert docs[EXAMPLE_OTHER]["MH/25-26/0004"]["value"] == 4720000

    # both events of one filing were appended by one transaction; each recipient's event sits on one partition
    assert len({(e.partition, e.offset) for e in events}) == 2

    live_stack.wait_projected()
    b2b_counts = counts(live_stack, EXAMPLE_RECIPIENT)["all_oth"]
    assert b2b_counts["b2b"] == {"noaction": 2, "accept": 0, "reject": 0, "pending": 0}  # 0003 skipped IMS
    assert (
        b2b_counts["b2ba"]["noaction"],
        b2b_counts["b2bcn"]["noaction"],
        b2b_counts["b2bdna"]["noaction"],
    ) == (1, 1, 1)
    assert b2b_counts["ttl_cnt"] == 5
    assert sorted(by_number(documents(live_stack, EXAMPLE_RECIPIENT, "b2b"))) == [
        "MH/25-26/0001",
        "MH/25-26/0002",
    ]
    # money in GETINV is a bare JSON number with its two decimals, as a client parses it
    listing = live_stack.http.get(f"/v1/ims/{EXAMPLE_RECIPIENT}/documents", params={"section": "b2b"}).json()
    second = next(r for r in listing["b2b"] if r["inum"] == "MH/25-26/0002")
    assert second["val"] == 26250.53 and second["iamt"] == 1250.03
    assert second["srcfilstatus"] == "Filed" and second["rtnprd"] == "102025" and len(second["hash"]) == 64
    assert '"val":26250.53' in live_stack.http.get(f"/v1/ims/{EXAMPLE_RECIPIENT}/documents").text


# --- partly invalid returns ----------------------------------------------------------------------------


def test_partly_invalid_return_answers_pe_with_exact_error_rows_and_keeps_its_valid_documents(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient, local = party("27", "PE"), party("29", "PE", 2), party("27", "PE", 3)
    good_bad_ctin = party("29", "PE", 4)
    bad_check = "0" if good_bad_ctin[-1] != "0" else "1"
    bad_ctin = good_bad_ctin[:14] + bad_check
    payload = gstr1(
        supplier,
        "102025",
        b2b=[
            b2b(bad_ctin, inter_state("PI-1", "01-10-2025", "29")),
            b2b(
                recipient,
                inter_state("PI-2", "02-10-2025", "29"),
                invoice("PI-3", "15-09-2025", "1400.00", "29", item(40, "1000.00", iamt="400.00")),
                inter_state("pi-4", "03-10-2025", "29"),
                inter_state("PI-4", "04-10-2025", "29", txval="500.00"),
                inter_state("PI-5", "05-11-2025", "29"),
                invoice("PI-6", "06-10-2025", "20000.00", "29", item(18, "10000.00", iamt="1800.00")),
                invoice("PI-8", "22-09-2025", "1400.00", "29", item(40, "1000.00", iamt="400.00")),
                invoice("PI-10", "09-10-2025", "100.00", "29", item(18, "10000.00", iamt="1800.00")),
            ),
            b2b(supplier, inter_state("PI-9", "08-10-2025", "29")),
            b2b(
                local,
                invoice(
                    "PI-7",
                    "07-10-2025",
                    "13600.00",
                    "27",
                    item(18, "10000.00", iamt="1800.00", camt="900.00", samt="900.00"),
                ),
            ),
        ],
    )
    raw_before = raw_return_count(live_stack)
    answer = ok(live_stack, FILED_11, payload)

    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 5, 6)
    assert answer["warnings"] == {  # accepted as reported, beside the report (docs/rules.md §9.6)
        "b2b": [
            {
                "ctin": recipient,
                "inum": "PI-10",
                "warn_cd": "VALUE_BELOW_TAXES",
                "warn_msg": "val: 100.00 is below taxable value plus taxes 11800.00; accepted as reported",
            }
        ]
    }
    assert answer["error_report"] == {
        "b2b": [
            {
                "ctin": bad_ctin,
                "inum": "PI-1",
                "error_cd": "INVALID_GSTIN",
                "error_msg": f"ctin: GSTIN '{bad_ctin}': check character should be {good_bad_ctin[-1]}, "
                f"got {bad_check}",
            },
            {
                "ctin": recipient,
                "inum": "PI-3",
                "error_cd": "INVALID_RATE",
                "error_msg": "itms[0].rt: 40% applies only from 22-09-2025, document dated 15-09-2025",
            },
            {
                "ctin": recipient,
                "inum": "PI-4",
                "error_cd": "DUPLICATE_NUMBER",
                "error_msg": f"inum: PI-4 repeats an earlier document number of supplier {supplier} "
                "in FY 2025-26 (numbers are case-insensitive)",
            },
            {
                "ctin": recipient,
                "inum": "PI-5",
                "error_cd": "DATE_OUT_OF_RANGE",
                "error_msg": "idt: 05-11-2025 is after the last day of return period 102025",
            },
            {
                "ctin": supplier,
                "inum": "PI-9",
                "error_cd": "SELF_SUPPLY",
                "error_msg": f"ctin: {supplier} is the supplier's own GSTIN",
            },
            {
                "ctin": local,
                "inum": "PI-7",
                "error_cd": "TAX_HEAD_MISMATCH",
                "error_msg": "itms[0].iamt: must be 0 for an intra-state supply (supplier state and POS 27); "
                "tax goes in camt and samt",
            },
        ]
    }

    events = events_of(live_stack, answer["reference_id"])
    assert [(e.key, [doc["number"] for doc in e.record["documents"]]) for e in events] == [
        (recipient, ["PI-2", "pi-4", "PI-6", "PI-8", "PI-10"])
    ]
    assert raw_return_count(live_stack) == raw_before + 1
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["PI-10", "PI-2", "PI-6", "PI-8", "pi-4"]
    assert documents(live_stack, local) == []
    assert documents(live_stack, supplier) == []
    assert documents(live_stack, good_bad_ctin) == []
