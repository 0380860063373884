"""Ingest over HTTP, end to end: returns and Bills of Entry → REQSTS answer → events → IMS read model."""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import text

from services.common.embedded.ports import free_port, wait_for_port
from tests.support.ingest_helpers import (
    b2b,
    by_number,
    counts,
    d,
    documents,
    events_of,
    gstr1,
    history,
    inter_state,
    invoice,
    item,
    logged_events,
    party,
    raw_return_count,
    read_events,
)
from tests.support.live import dumps, spawn_cli
from tests.support.payloads import example
from tests.support.processes import stop

pytestmark = pytest.mark.e2e

HEX64 = re.compile(r"[0-9a-f]{64}")
FILED_11 = "/v1/returns/gstr1?status=filed&filed_on=2025-11-11"
FILED_12 = "/v1/returns/gstr1?status=filed&filed_on=2025-11-12"
SAVED = "/v1/returns/gstr1?status=saved"
ZERO = {"noaction": 0, "accept": 0, "reject": 0, "pending": 0}


def _ok(stack, path: str, body, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    response = stack.post(path, body, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _accepted(answer: dict, count: int) -> None:
    assert answer["status_cd"] == "P", answer
    assert (answer["proc_cnt"], answer["err_cnt"], answer["error_report"]) == (count, 0, {})
    assert re.fullmatch(r"[0-9a-f]{32}", answer["reference_id"])


def _act(stack, rtin: str, section: str, record: dict, action: str) -> dict:  # type: ignore[no-untyped-def]
    """SAVE one action on a GETINV record (identified by stin + number + date, with its hash)."""
    ident = {k: record[k] for k in ("stin", "inum", "idt", "nt_num", "nt_dt", "boenum", "boedt") if k in record}
    body = {
        "rtin": rtin,
        "reqtyp": "SAVE",
        "invdata": {section: [{**ident, "hash": record["hash"], "action": action}]},
    }
    response = stack.post(f"/v1/ims/{rtin}/actions", body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def _section_counts(stack, rtin: str, group: str = "all_oth") -> dict:  # type: ignore[no-untyped-def]
    found = counts(stack, rtin)[group]
    return {k: v for k, v in found.items() if k != "ttl_cnt" and v != ZERO}


# --- the example GSTR-1: exact events -------------------------------------------------------------------

EXAMPLE_SUPPLIER = "27AAPFK4821M1ZT"
EXAMPLE_RECIPIENT = "29AABCM7710Q1ZX"
EXAMPLE_OTHER = "33AAGCN3302H1ZX"


def test_example_gstr1_appends_one_documents_filed_event_per_recipient_with_exact_documents(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    answer = _ok(live_stack, FILED_11, example("gstr1-supplier.json"))
    _accepted(answer, 7)
    ref = answer["reference_id"]

    events = events_of(live_stack, ref)
    assert sorted(e.key for e in events) == [EXAMPLE_RECIPIENT, EXAMPLE_OTHER]
    for event in events:
        assert event.envelope.event_type == "DocumentsFiled" and event.envelope.schema_version == 1
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
    assert sorted(by_number(documents(live_stack, EXAMPLE_RECIPIENT, "b2b"))) == [
        "MH/25-26/0001",
        "MH/25-26/0002",
    ]


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
    answer = _ok(live_stack, FILED_11, payload)

    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 4, 6)
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
        (recipient, ["PI-2", "pi-4", "PI-6", "PI-8"])
    ]
    assert raw_return_count(live_stack) == raw_before + 1
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["PI-2", "PI-6", "PI-8", "pi-4"]
    assert documents(live_stack, local) == []
    assert documents(live_stack, supplier) == []
    assert documents(live_stack, good_bad_ctin) == []


def test_tables_that_never_reach_ims_are_accepted_and_ignored(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "TB"), party("29", "TB", 2)
    payload = gstr1(
        supplier,
        "102025",
        b2b=[b2b(recipient, inter_state("TB-1", "02-10-2025", "29"))],
        b2cs=[
            {
                "sply_ty": "INTRA",
                "pos": "27",
                "typ": "OE",
                "rt": 18,
                "txval": d("500.00"),
                "camt": d("45.00"),
                "samt": d("45.00"),
                "csamt": 0,
            }
        ],
        exp=[
            {
                "exp_typ": "WOPAY",
                "inv": [
                    {
                        "inum": "EX-1",
                        "idt": "02-10-2025",
                        "val": d("900.00"),
                        "itms": [{"txval": d("900.00"), "rt": 0, "iamt": 0}],
                    }
                ],
            }
        ],
        hsn={"data": [{"num": 1, "hsn_sc": "8471", "qty": 1, "txval": d("10000.00"), "iamt": d("1800.00")}]},
    )
    answer = _ok(live_stack, FILED_11, payload)
    _accepted(answer, 1)
    events = events_of(live_stack, answer["reference_id"])
    assert [(e.key, [doc["number"] for doc in e.record["documents"]]) for e in events] == [(recipient, ["TB-1"])]


# --- whole refusals --------------------------------------------------------------------------------------

_REF_SUPPLIER = party("27", "WR")
_REF_RECIPIENT = party("29", "WR", 2)


def _valid(**header: object) -> bytes:
    body = {
        **gstr1(_REF_SUPPLIER, "102025", b2b=[b2b(_REF_RECIPIENT, inter_state("WR-1", "02-10-2025", "29"))]),
        **header,
    }
    return dumps(body).encode()


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        pytest.param(
            FILED_11,
            b'{"gstin": "27AAPFK4821M1ZT", "fp": ',
            400,
            "body: malformed JSON: Expecting value: line 1 column 36 (char 35)",
            id="malformed-json",
        ),
        pytest.param(
            "/v1/returns/gstr9?status=filed&filed_on=2025-11-11",
            _valid(),
            404,
            "form: unknown return form 'gstr9'; expected one of ['gstr1', 'gstr1a', 'gstr5', 'gstr6', 'iff']",
            id="unknown-form",
        ),
        pytest.param(
            FILED_11,
            _valid(fp="132025"),
            400,
            "fp: return period 132025 (MMYYYY): month must be 1..12, got 13",
            id="fp-month-13",
        ),
        pytest.param(
            FILED_11,
            _valid(fp=102025),
            400,
            "fp: the return period must be MMYYYY text, got 102025",
            id="fp-not-text",
        ),
        pytest.param(
            FILED_11,
            _valid(gstin="27AAPFK4821M1ZA"),
            400,
            "gstin: GSTIN '27AAPFK4821M1ZA': check character should be T, got A",
            id="filer-gstin",
        ),
        pytest.param(
            "/v1/returns/gstr1?status=filed",
            _valid(),
            400,
            "filed_on: required (YYYY-MM-DD) when status is 'filed'",
            id="filed-without-filed-on",
        ),
        pytest.param(
            "/v1/returns/gstr1",
            _valid(),
            400,
            "filed_on: required (YYYY-MM-DD) when status is 'filed'",
            id="default-status-is-filed",
        ),
        pytest.param(
            "/v1/returns/gstr1?status=filed&filed_on=2025-10-31",
            _valid(),
            400,
            "fp: the return for 102025 cannot be filed on 2025-10-31, before its period ends",
            id="filed-before-period-end",
        ),
        pytest.param(
            "/v1/returns/gstr1?status=filed&filed_on=11-11-2025",
            _valid(),
            400,
            "filed_on: expected YYYY-MM-DD, got '11-11-2025'",
            id="filed-on-format",
        ),
        pytest.param(
            "/v1/returns/gstr1?status=draft",
            _valid(),
            400,
            "status: must be 'saved' or 'filed', got 'draft'",
            id="unknown-status",
        ),
        pytest.param(FILED_11, _valid(b2b={"ctin": _REF_RECIPIENT}), 400, "b2b: must be a list", id="b2b-not-list"),
        pytest.param(FILED_11, b"[1, 2]", 400, "a return must be a JSON object, got list", id="not-an-object"),
        pytest.param(FILED_11, b'{"gstin": "\xff"}', 400, "body: not valid UTF-8 at byte 11", id="not-utf8"),
        pytest.param(
            "/v1/returns/gstr1?status=saved&filed_on=2025-11-11",
            _valid(),
            400,
            "filed_on: only allowed when status is 'filed'",
            id="saved-with-filed-on",
        ),
        pytest.param(
            FILED_11,
            _valid(b2b=[{"ctin": _REF_RECIPIENT, "inv": "WR-1"}]),
            400,
            "b2b[0].inv: must be a list",
            id="rows-not-list",
        ),
    ],
)
def test_a_return_that_is_not_acceptable_as_a_whole_is_refused_with_a_clear_message_and_nothing_written(
    live_stack, path: str, body: bytes, status: int, message: str
) -> None:  # type: ignore[no-untyped-def]
    raw_before, ends_before = raw_return_count(live_stack), logged_events(live_stack)
    response = live_stack.http.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.text
    assert response.json()["detail"]["error_msg"] == message
    assert response.json()["detail"]["error_cd"] in ("RETURN_REFUSED", "INVALID_REQUEST")
    assert raw_return_count(live_stack) == raw_before
    assert logged_events(live_stack) == ends_before


def test_body_over_the_size_limit_is_refused_413_and_small_bodies_still_file_in_chunks(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = replace(live_stack.settings, max_body_bytes=1000, chunk_documents=2, http_port=free_port())
    process = spawn_cli(settings, tmp_path / "small-api.log", "api")
    try:
        wait_for_port("127.0.0.1", settings.http_port, 60, lambda: process.poll() is None)
        with httpx.Client(
            base_url=f"http://127.0.0.1:{settings.http_port}", timeout=60, headers=live_stack.auth()
        ) as client:
            raw_before = raw_return_count(live_stack)
            big = dumps(example("gstr1-supplier.json")).encode()
            assert len(big) > 1000
            refused = client.post(FILED_11, content=big, headers={"Content-Type": "application/json"})
            assert refused.status_code == 413, refused.text
            assert refused.json()["detail"] == {
                "error_cd": "INVALID_REQUEST",
                "error_msg": f"body: {len(big)} bytes exceeds the limit of 1000 bytes",
            }

            def stream():  # no Content-Length: the limit holds while reading
                yield big[:600]
                yield big[600:]

            chunked = client.post(FILED_11, content=stream(), headers={"Content-Type": "application/json"})
            assert chunked.status_code == 413, chunked.text
            assert chunked.json()["detail"]["error_msg"] == "body: exceeds the limit of 1000 bytes"
            assert raw_return_count(live_stack) == raw_before

            supplier, recipient = party("27", "SZ"), party("29", "SZ", 2)
            small = gstr1(
                supplier,
                "102025",
                b2b=[b2b(recipient, *(inter_state(f"SZ-{n}", "02-10-2025", "29") for n in (1, 2, 3)))],
            )
            body = dumps(small).encode()
            assert len(body) <= 1000
            answer = client.post(FILED_11, content=body, headers={"Content-Type": "application/json"})
            assert answer.status_code == 200, answer.text
            _accepted(answer.json(), 3)
    finally:
        stop(process)
    events = events_of(live_stack, answer.json()["reference_id"])
    assert [
        (e.key, e.record["chunk"], e.record["chunks"], [doc["number"] for doc in e.record["documents"]]) for e in events
    ] == [(recipient, 0, 2, ["SZ-1", "SZ-2"]), (recipient, 1, 2, ["SZ-3"])]


def test_a_document_number_already_used_by_the_supplier_in_an_earlier_return_is_refused_as_a_duplicate(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    supplier, first, second = party("27", "DU"), party("29", "DU", 2), party("33", "DU", 3)
    earlier = gstr1(supplier, "102025", b2b=[b2b(first, inter_state("DU-1", "02-10-2025", "29"))])
    _accepted(_ok(live_stack, FILED_11, earlier), 1)
    # the same number (case-insensitive), same supplier and financial year, now for another recipient
    later = gstr1(
        supplier,
        "112025",
        b2b=[b2b(second, inter_state("du-1", "03-11-2025", "33"), inter_state("DU-2", "03-11-2025", "33"))],
    )
    answer = _ok(live_stack, "/v1/returns/gstr1?status=filed&filed_on=2025-12-11", later)
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, first))) == ["DU-1"]
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 1, 1), answer
    assert [(row["inum"], row["error_cd"]) for row in answer["error_report"]["b2b"]] == [("du-1", "DUPLICATE_NUMBER")]
    assert sorted(by_number(documents(live_stack, second))) == ["DU-2"]


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
    answer = _ok(live_stack, FILED_11, payload)
    _accepted(answer, 2)
    (event,) = events_of(live_stack, answer["reference_id"])
    routes = {doc["number"]: (doc["route"], doc["part"], doc["reason"]) for doc in event.record["documents"]}
    assert routes == {"RC-1": ("gstr2b", "revsup", ""), "RC-2": ("ims", "ims", "")}

    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["RC-2"]
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}
    assert _route_of(live_stack, recipient, "RC-1") == ("gstr2b", "revsup", "", "102025")


def test_pos_ineligible_document_goes_to_itc_not_available_with_reason_p(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "PO"), party("29", "PO", 2)
    # place of supply = supplier's state (27) while the recipient is in 29: CGST + SGST, ITC barred
    payload = gstr1(
        supplier,
        "102025",
        b2b=[
            b2b(
                recipient,
                invoice("PO-1", "02-10-2025", "11800.00", "27", item(18, "10000.00", camt="900.00", samt="900.00")),
            )
        ],
    )
    answer = _ok(live_stack, FILED_11, payload)
    _accepted(answer, 1)
    (event,) = events_of(live_stack, answer["reference_id"])
    (doc,) = event.record["documents"]
    assert (doc["route"], doc["part"], doc["reason"], doc["cgst"], doc["sgst"], doc["igst"]) == (
        "gstr2b",
        "itcunavl",
        "P",
        90000,
        90000,
        0,
    )

    live_stack.wait_projected()
    assert documents(live_stack, recipient) == []
    assert counts(live_stack, recipient)["all_oth"]["ttl_cnt"] == 0
    assert _route_of(live_stack, recipient, "PO-1") == ("gstr2b", "itcunavl", "P", "102025")


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
    saved = _ok(live_stack, SAVED, payload)
    _accepted(saved, 2)
    (event,) = events_of(live_stack, saved["reference_id"])
    assert {doc["number"]: doc["route"] for doc in event.record["documents"]} == {
        "OLD-2023": "ims",
        "OLD-2024": "ims",
    }
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["OLD-2023", "OLD-2024"]

    filed = _ok(live_stack, FILED_11, payload)
    _accepted(filed, 2)
    (event,) = events_of(live_stack, filed["reference_id"])
    routes = {doc["number"]: (doc["route"], doc["part"], doc["reason"]) for doc in event.record["documents"]}
    assert routes == {"OLD-2023": ("gstr2b", "itcunavl", "C"), "OLD-2024": ("ims", "ims", "")}
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["OLD-2024"]
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}
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
        answer = _ok(live_stack, f"/v1/returns/{form}?status=filed&filed_on={filed_on}", payload)
        _accepted(answer, 1)
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
    saved = _ok(live_stack, SAVED, payload)
    _accepted(saved, 1)
    (event,) = events_of(live_stack, saved["reference_id"])
    assert (
        event.record["status"],
        event.record["filed_on"],
        event.record["documents"][0]["gstr2b_period"],
    ) == ("saved", None, None)
    live_stack.wait_projected()
    (record,) = documents(live_stack, recipient)
    assert (record["srcfilstatus"], record["gstr2bprd"], record["action"]) == ("Not Filed", None, "N")

    assert _act(live_stack, recipient, "b2b", record, "A")["status_cd"] == "P"
    live_stack.wait_projected()
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "accept": 1}}

    filed = _ok(live_stack, FILED_12, payload)
    _accepted(filed, 1)
    live_stack.wait_projected()
    (after,) = documents(live_stack, recipient)
    assert (after["srcfilstatus"], after["gstr2bprd"], after["action"], after["hash"]) == (
        "Filed",
        "112025",
        "A",
        record["hash"],
    )
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "accept": 1}}
    assert [e["what"] for e in history(live_stack, recipient, record["doc_id"])] == [
        "saved",
        "action_A",
        "marked_filed",
    ]


def test_posting_the_identical_document_again_changes_nothing_downstream(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "ID"), party("29", "ID", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("ID-1", "02-10-2025", "29"))])
    first = _ok(live_stack, FILED_11, payload)
    live_stack.wait_projected()
    (before,) = documents(live_stack, recipient)
    counts_before = counts(live_stack, recipient)
    history_before = history(live_stack, recipient, before["doc_id"])

    second = _ok(live_stack, FILED_11, payload)
    _accepted(second, 1)
    assert second["reference_id"] != first["reference_id"]
    hashes = [
        e.record["documents"][0]["version_hash"]
        for ref in (first, second)
        for e in events_of(live_stack, ref["reference_id"])
    ]
    assert hashes == [before["hash"], before["hash"]]
    live_stack.wait_projected()
    assert documents(live_stack, recipient) == [before]
    assert counts(live_stack, recipient) == counts_before
    assert history(live_stack, recipient, before["doc_id"]) == history_before
    assert [e["what"] for e in history_before] == ["filed"]


def test_changed_saved_document_replaces_the_old_version_and_drops_the_action_back_to_no_action(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "CH"), party("29", "CH", 2)
    old = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("CH-1", "02-10-2025", "29"))])
    new = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("CH-1", "02-10-2025", "29", txval="12000.00"))])
    _accepted(_ok(live_stack, SAVED, old), 1)
    live_stack.wait_projected()
    (record,) = documents(live_stack, recipient)
    assert _act(live_stack, recipient, "b2b", record, "A")["status_cd"] == "P"
    live_stack.wait_projected()

    _accepted(_ok(live_stack, SAVED, new), 1)
    live_stack.wait_projected()
    (after,) = documents(live_stack, recipient)
    assert HEX64.fullmatch(after["hash"]) and after["hash"] != record["hash"]
    assert (after["doc_id"], after["action"], after["prev_status"]) == (record["doc_id"], "N", "A")
    assert (after["val"], after["txval"], after["iamt"]) == (
        Decimal("14160.00"),
        Decimal("12000.00"),
        Decimal("2160.00"),
    )
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}
    stale = _act(live_stack, recipient, "b2b", record, "A")  # the old hash no longer names a live version
    assert (stale["status_cd"], stale["error_report"]["b2b"][0]["error_cd"]) == ("ER", "STALE_HASH")


def test_flag_d_deletes_a_saved_document(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "DL"), party("29", "DL", 2)
    both = gstr1(
        supplier,
        "102025",
        b2b=[b2b(recipient, inter_state("DL-1", "02-10-2025", "29"), inter_state("DL-2", "03-10-2025", "29"))],
    )
    _accepted(_ok(live_stack, SAVED, both), 2)
    live_stack.wait_projected()
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 2}}

    deletion = gstr1(supplier, "102025", b2b=[b2b(recipient, {"inum": "DL-1", "idt": "02-10-2025", "flag": "D"})])
    answer = _ok(live_stack, SAVED, deletion)
    _accepted(answer, 1)
    (event,) = events_of(live_stack, answer["reference_id"])
    (doc,) = event.record["documents"]
    assert (doc["key"], doc["deleted"]) == (f"b2b|{supplier}|2025|DL-1", True)
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["DL-2"]
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}
    assert [e["what"] for e in history(live_stack, recipient, doc["key"])] == ["saved", "deleted"]
    # the deleted draft's number is free again: the supplier reports it to the right customer
    right = party("29", "DL", 3)
    _accepted(
        _ok(live_stack, SAVED, gstr1(supplier, "102025", b2b=[b2b(right, inter_state("DL-1", "02-10-2025", "29"))])), 1
    )
    taken = _ok(
        live_stack, SAVED, gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("DL-1", "02-10-2025", "29"))])
    )
    assert [row["error_cd"] for row in taken["error_report"]["b2b"]] == ["DUPLICATE_NUMBER"]


def test_flag_d_on_a_filed_document_is_refused_and_the_filer_is_told(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "DF"), party("29", "DF", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("DF-1", "02-10-2025", "29"))])
    _accepted(_ok(live_stack, FILED_11, payload), 1)
    deletion = gstr1(supplier, "102025", b2b=[b2b(recipient, {"inum": "DF-1", "idt": "02-10-2025", "flag": "D"})])
    answer = _ok(live_stack, FILED_11, deletion)
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, recipient))) == ["DF-1"]  # a filed document changes by amendment
    assert _section_counts(live_stack, recipient) == {"b2b": {**ZERO, "noaction": 1}}

    status = live_stack.http.get(f"/v1/ims/{supplier}/requests/{answer['reference_id']}")
    assert status.status_code == 200, status.text
    report = status.json()
    assert (report["status_cd"], report["proc_cnt"], report["err_cnt"]) == ("ER", 0, 1), report
    assert [row["error_cd"] for rows in report["error_report"].values() for row in rows] == ["ALREADY_FILED"]
    # a number a filed return reported stays that document's, deletion request or not
    other = gstr1(supplier, "102025", b2b=[b2b(party("29", "DF", 3), inter_state("DF-1", "02-10-2025", "29"))])
    taken = _ok(live_stack, SAVED, other)
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
    _accepted(_ok(live_stack, FILED_11, original), 2)
    live_stack.wait_projected()
    assert _section_counts(live_stack, recipient) == {
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
    answer = _ok(live_stack, "/v1/returns/gstr1?status=filed&filed_on=2025-12-11", amendment)
    _accepted(answer, 2)
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
    assert _section_counts(live_stack, recipient) == {
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


# --- other sources --------------------------------------------------------------------------------------


def test_eco_table_15_example_lands_in_section_ecom_with_the_operator_as_etin(live_stack) -> None:  # type: ignore[no-untyped-def]
    answer = _ok(live_stack, FILED_11, example("gstr1-eco-9-5.json"))
    _accepted(answer, 1)
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
    answer = _ok(live_stack, "/v1/returns/gstr6?status=filed&filed_on=2025-11-13", payload)
    _accepted(answer, 2)
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
    answer = _ok(live_stack, "/v1/imports/boe", {"boe": [boe, bad_port]})
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
    rejected = _act(live_stack, importer, "impg", record, "R")
    assert rejected["status_cd"] == "ER" and rejected["proc_cnt"] == 0
    assert rejected["error_report"] == {
        "impg": [
            {
                "stin": importer,
                "boenum": "7654321",
                "error_cd": "REJECT_NOT_ALLOWED",
                "error_msg": "action: import of goods documents can be accepted or kept pending only",
            }
        ]
    }
    assert _act(live_stack, importer, "impg", record, "A")["status_cd"] == "P"
    live_stack.wait_projected()
    assert counts(live_stack, importer)["imp_gds"]["impg"] == {**ZERO, "accept": 1}


# --- idempotency and the archive ------------------------------------------------------------------------


def test_retry_with_the_same_idempotency_key_returns_the_same_answer_and_appends_no_second_event(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "IK"), party("29", "IK", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("IK-1", "02-10-2025", "29"))])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = _ok(live_stack, FILED_11, payload, headers=key)
    _accepted(first, 1)
    retry = _ok(live_stack, FILED_11, payload, headers=key)
    assert retry == first

    events = [e for e in read_events(live_stack) if e.record.get("filer") == supplier]
    assert [(e.key, e.record["reference_id"]) for e in events] == [(recipient, first["reference_id"])]
    assert live_stack.scalar("SELECT count(*) FROM raw_returns WHERE filer = :f", f=supplier) == 1
    fresh = _ok(live_stack, FILED_11, payload, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert fresh["reference_id"] != first["reference_id"]


def test_concurrent_retries_with_the_same_idempotency_key_get_one_answer_and_one_event(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "IC"), party("29", "IC", 2)
    body = dumps(gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("IC-1", "02-10-2025", "29"))]))
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
    start = threading.Barrier(4)

    def attempt(_: int) -> dict:
        with httpx.Client(base_url=live_stack.base_url, timeout=60, headers=live_stack.auth()) as client:
            start.wait()
            response = client.post(FILED_11, content=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(attempt, range(4)))
    events = [e for e in read_events(live_stack) if e.record.get("filer") == supplier]
    assert len(events) == 1, [e.record["reference_id"] for e in events]
    assert {a["reference_id"] for a in answers} == {events[0].record["reference_id"]}


def test_raw_return_is_archived_with_its_reference_id_and_the_sha256_of_the_exact_body(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "AR"), party("29", "AR", 2)
    body = (
        '{ "gstin" : "SUPPLIER", "fp":"102025",\n "b2b": [{"ctin": "RECIPIENT", "inv": [{"inum": "AR-1",'
        ' "idt": "02-10-2025", "val": 11800.000, "pos": "29", "rchrg": "N", "inv_typ": "R",'
        ' "itms": [{"num": 1, "itm_det": {"rt": 18.0, "txval": 10000.0, "iamt": 1800,'
        ' "camt": 0, "samt": 0, "csamt": 0}}]}]}],'
        ' "note": "\\u0928\\u092e\\u0938\\u094d\\u0924\\u0947 ₹"}\n'
    )
    body = body.replace("SUPPLIER", supplier).replace("RECIPIENT", recipient)
    raw = body.encode("utf-8")
    response = live_stack.http.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-11",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {live_stack.token('filer', supplier, subject='erp-sync')}",
        },
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    _accepted(answer, 1)
    with live_stack.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT form, filer, return_period, status, filed_on, actor, sha256, size_bytes, body_gzip "
                "FROM raw_returns WHERE reference_id = :r"
            ),
            {"r": answer["reference_id"]},
        ).one()
    assert row[:6] == ("gstr1", supplier, "102025", "filed", date(2025, 11, 11), "erp-sync")
    assert (row[6], row[7]) == (hashlib.sha256(raw).hexdigest(), len(raw))
    assert gzip.decompress(bytes(row[8])) == raw
    (event,) = events_of(live_stack, answer["reference_id"])
    assert event.envelope.actor == "erp-sync"
    assert event.record["documents"][0]["items"][0]["rate"] == "18"
