"""Ingest over HTTP, end to end (docs/rules.md §2, §4, §5): documents that skip IMS, the GSTR-2B period a
filing day gives per form, and a supplier's later reports of a document (filed after saving, deleted,
amended). The rules themselves are unit-tested (test_classification, test_periods, test_supplier_reports,
test_filed_records, test_amendment_chains); these prove the wiring."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from tests.support.ingest_helpers import (
    FILED_11,
    FILED_12,
    SAVED,
    ZERO,
    accepted,
    act,
    b2b,
    by_number,
    d,
    documents,
    events_of,
    gstr1,
    history,
    inter_state,
    item,
    ok,
    party,
    section_counts,
)

pytestmark = pytest.mark.e2e


# --- classification -----------------------------------------------------------------------------------


def _route_of(stack, rtin: str, number: str) -> tuple:  # type: ignore[no-untyped-def]
    with stack.engine.connect() as conn:
        row = conn.execute(
            text("SELECT route, part, reason, gstr2b_period FROM ims_documents WHERE recipient = :r AND number = :n"),
            {"r": rtin, "n": number},
        ).one()
    return tuple(row)


def test_reverse_charge_document_goes_straight_to_gstr2b_revsup_and_is_not_counted(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "RC"), party("29", "RC", 2)
    payload = gstr1(
        supplier,
        "102025",
        b2b=[
            b2b(
                recipient,
                inter_state("RC-1", "02-10-2025", "29", rchrg="Y"),
                inter_state("RC-2", "02-10-2025", "29"),
            )
        ],
    )
    answer = ok(live_stack, FILED_11, payload)
    accepted(answer, 2)
    (event,) = events_of(live_stack, answer["reference_id"])
    routes = {doc["number"]: (doc["route"], doc["part"], doc["reason"]) for doc in event.record["documents"]}
    assert routes == {"RC-1": ("gstr2b", "revsup", ""), "RC-2": ("ims", "ims", "")}

    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["RC-2"]
    assert section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}
    assert _route_of(live_stack, recipient, "RC-1") == ("gstr2b", "revsup", "", "102025")


def test_section_16_4_limit_is_judged_on_the_filing_date_and_sends_late_documents_to_reason_c(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "CC"), party("29", "CC", 2)
    payload = gstr1(
        supplier,
        "102025",
        b2b=[
            b2b(
                recipient,
                inter_state("OLD-2023", "10-10-2023", "29"),  # FY 2023-24: limit 30-11-2024
                inter_state("OLD-2024", "15-04-2024", "29"),  # FY 2024-25: limit 30-11-2025
            )
        ],
    )
    saved = ok(live_stack, SAVED, payload)
    accepted(saved, 2)
    (event,) = events_of(live_stack, saved["reference_id"])
    assert {doc["number"]: doc["route"] for doc in event.record["documents"]} == {
        "OLD-2023": "ims",
        "OLD-2024": "ims",
    }
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["OLD-2023", "OLD-2024"]

    filed = ok(live_stack, FILED_11, payload)
    accepted(filed, 2)
    (event,) = events_of(live_stack, filed["reference_id"])
    routes = {doc["number"]: (doc["route"], doc["part"], doc["reason"]) for doc in event.record["documents"]}
    assert routes == {"OLD-2023": ("gstr2b", "itcunavl", "C"), "OLD-2024": ("ims", "ims", "")}
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["OLD-2024"]
    assert section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}
    assert _route_of(live_stack, recipient, "OLD-2023") == ("gstr2b", "itcunavl", "C", "102025")


def test_gstr2b_period_follows_the_filing_date_cutoffs_of_monthly_and_quarterly_forms(live_stack) -> None:  # type: ignore[no-untyped-def]
    recipient = party("29", "CO")
    cases = [  # form, filed_on, expected srcform, expected GSTR-2B period
        ("gstr1", "2025-11-11", "R1", "102025"),
        ("gstr1", "2025-11-12", "R1", "112025"),
        ("gstr1a", "2025-11-11", "R1A", "102025"),
        ("iff", "2025-11-13", "IFF", "102025"),
        ("iff", "2025-11-14", "IFF", "112025"),
        ("gstr5", "2025-11-13", "R5", "102025"),
        ("gstr5", "2025-11-14", "R5", "112025"),
    ]
    expected = {}
    for n, (form, filed_on, srcform, period) in enumerate(cases, start=1):
        supplier, number = party("27", "CO", n + 1), f"CO-{n}"
        payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state(number, "02-10-2025", "29"))])
        answer = ok(live_stack, f"/v1/returns/{form}?status=filed&filed_on={filed_on}", payload)
        accepted(answer, 1)
        (event,) = events_of(live_stack, answer["reference_id"])
        assert (event.record["form"], event.record["documents"][0]["gstr2b_period"]) == (form, period), form
        expected[number] = (srcform, "Filed", period)
    live_stack.wait_projected()
    records = by_number(documents(live_stack, recipient, "b2b"))
    assert {n: (r["srcform"], r["srcfilstatus"], r["gstr2bprd"]) for n, r in records.items()} == expected


# --- versions -------------------------------------------------------------------------------------------


def test_return_saved_and_later_filed_marks_its_documents_filed_and_keeps_the_action(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "SF"), party("29", "SF", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("SF-1", "02-10-2025", "29"))])
    saved = ok(live_stack, SAVED, payload)
    accepted(saved, 1)
    (event,) = events_of(live_stack, saved["reference_id"])
    assert (
        event.record["status"],
        event.record["filed_on"],
        event.record["documents"][0]["gstr2b_period"],
    ) == ("saved", None, None)
    live_stack.wait_projected()
    (record,) = documents(live_stack, recipient)
    assert (record["srcfilstatus"], record["gstr2bprd"], record["action"]) == ("Not Filed", None, "N")

    assert act(live_stack, recipient, "b2b", record, "A")["status_cd"] == "P"
    live_stack.wait_projected()
    assert section_counts(live_stack, recipient) == {"b2b": {**ZERO, "accept": 1}}

    filed = ok(live_stack, FILED_12, payload)
    accepted(filed, 1)
    live_stack.wait_projected()
    (after,) = documents(live_stack, recipient)
    assert (after["srcfilstatus"], after["gstr2bprd"], after["action"], after["hash"]) == (
        "Filed",
        "112025",
        "A",
        record["hash"],
    )
    assert section_counts(live_stack, recipient) == {"b2b": {**ZERO, "accept": 1}}
    assert [e["what"] for e in history(live_stack, recipient, record["doc_id"])] == [
        "saved",
        "action_A",
        "marked_filed",
    ]


def test_flag_d_on_a_filed_document_is_refused_and_the_filer_is_told(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "DF"), party("29", "DF", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("DF-1", "02-10-2025", "29"))])
    accepted(ok(live_stack, FILED_11, payload), 1)
    deletion = gstr1(supplier, "102025", b2b=[b2b(recipient, {"inum": "DF-1", "idt": "02-10-2025", "flag": "D"})])
    answer = ok(live_stack, FILED_11, deletion)
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["DF-1"]  # a filed document changes by amendment
    assert section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}

    status = live_stack.http.get(f"/v1/ims/{supplier}/requests/{answer['reference_id']}")
    assert status.status_code == 200, status.text
    report = status.json()
    assert (report["status_cd"], report["proc_cnt"], report["err_cnt"]) == ("ER", 0, 1), report
    assert [row["error_cd"] for rows in report["error_report"].values() for row in rows] == ["ALREADY_FILED"]
    # a number a filed return reported stays that document's, deletion request or not
    other = gstr1(supplier, "102025", b2b=[b2b(party("29", "DF", 3), inter_state("DF-1", "02-10-2025", "29"))])
    taken = ok(live_stack, SAVED, other)
    assert [row["error_cd"] for row in taken["error_report"]["b2b"]] == ["DUPLICATE_NUMBER"]


def test_b2ba_amendment_links_to_its_original_which_is_superseded_and_no_longer_counted(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "AM"), party("29", "AM", 2)
    note = {
        "ntty": "C",
        "nt_num": "AMC-1",
        "nt_dt": "06-10-2025",
        "val": d("1180.00"),
        "pos": "29",
        "rchrg": "N",
        "inv_typ": "R",
        "itms": [item(18, "1000.00", iamt="180.00")],
    }
    original = gstr1(
        supplier,
        "102025",
        b2b=[b2b(recipient, inter_state("AM-1", "05-10-2025", "29"))],
        cdnr=[{"ctin": recipient, "nt": [note]}],
    )
    accepted(ok(live_stack, FILED_11, original), 2)
    live_stack.wait_projected()
    assert section_counts(live_stack, recipient) == {
        "b2b": {**ZERO, "noaction": 1},
        "b2bcn": {**ZERO, "noaction": 1},
    }

    amended_row = inter_state("AM-1", "05-10-2025", "29", txval="9000.00", oinum="AM-1", oidt="05-10-2025")
    amended_note = {
        **note,
        "val": d("590.00"),
        "itms": [item(18, "500.00", iamt="90.00")],
        "ont_num": "AMC-1",
        "ont_dt": "06-10-2025",
    }
    amendment = gstr1(
        supplier,
        "112025",
        b2ba=[b2b(recipient, amended_row)],
        cdnra=[{"ctin": recipient, "nt": [amended_note]}],
    )
    answer = ok(live_stack, "/v1/returns/gstr1?status=filed&filed_on=2025-12-11", amendment)
    accepted(answer, 2)
    (event,) = events_of(live_stack, answer["reference_id"])
    doc, note_doc = event.record["documents"]
    assert (note_doc["section"], note_doc["original_key"]) == ("b2bcna", f"b2bcn|{supplier}|2025|AMC-1")
    original_key, amendment_key = f"b2b|{supplier}|2025|AM-1", f"b2ba|{supplier}|2025|AM-1"
    assert (doc["key"], doc["section"], doc["original_key"], doc["orig_number"], doc["orig_date"]) == (
        amendment_key,
        "b2ba",
        original_key,
        "AM-1",
        "2025-10-05",
    )
    assert doc["gstr2b_period"] == "112025" and doc["value"] == 1062000

    live_stack.wait_projected()
    (record,) = documents(live_stack, recipient, "b2ba")
    assert (
        record["doc_id"],
        record["inum"],
        record["idt"],
        record["oinum"],
        record["oidt"],
        record["action"],
    ) == (amendment_key, "AM-1", "05-10-2025", "AM-1", "05-10-2025", "N")
    (note_record,) = documents(live_stack, recipient, "b2bcna")
    assert (note_record["nt_num"], note_record["ont_num"], note_record["ont_dt"], note_record["val"]) == (
        "AMC-1",
        "AMC-1",
        "06-10-2025",
        Decimal("590.00"),
    )
    assert documents(live_stack, recipient, "b2b") == [] and documents(live_stack, recipient, "b2bcn") == []
    assert section_counts(live_stack, recipient) == {
        "b2ba": {**ZERO, "noaction": 1},
        "b2bcna": {**ZERO, "noaction": 1},
    }
    superseded = live_stack.scalar(
        "SELECT superseded_by FROM ims_documents WHERE recipient = :r AND doc_key = :k",
        r=recipient,
        k=original_key,
    )
    assert superseded == amendment_key
    assert [e["what"] for e in history(live_stack, recipient, original_key)] == ["filed", "superseded"]
