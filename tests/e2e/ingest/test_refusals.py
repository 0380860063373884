"""Ingest over HTTP, end to end: what is refused or ignored (tables that never reach IMS, returns not
acceptable as a whole, bodies over the limit, numbers used before), and retries (Idempotency-Key) and the
archive of every raw return."""

from __future__ import annotations

import gzip
import hashlib
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date

import httpx
import pytest
from sqlalchemy import text

from services.common.embedded.ports import free_port, wait_for_port
from tests.support.ingest_helpers import (
    FILED_11,
    accepted,
    b2b,
    by_number,
    d,
    documents,
    events_of,
    gstr1,
    inter_state,
    logged_events,
    ok,
    party,
    raw_return_count,
    read_events,
)
from tests.support.live import dumps, spawn_cli
from tests.support.payloads import example
from tests.support.processes import stop

pytestmark = pytest.mark.e2e


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
    answer = ok(live_stack, FILED_11, payload)
    accepted(answer, 1)
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
            accepted(answer.json(), 3)
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
    accepted(ok(live_stack, FILED_11, earlier), 1)
    # the same number (case-insensitive), same supplier and financial year, now for another recipient
    later = gstr1(
        supplier,
        "112025",
        b2b=[b2b(second, inter_state("du-1", "03-11-2025", "33"), inter_state("DU-2", "03-11-2025", "33"))],
    )
    answer = ok(live_stack, "/v1/returns/gstr1?status=filed&filed_on=2025-12-11", later)
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, first))) == ["DU-1"]
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 1, 1), answer
    assert [(row["inum"], row["error_cd"]) for row in answer["error_report"]["b2b"]] == [("du-1", "DUPLICATE_NUMBER")]
    assert sorted(by_number(documents(live_stack, second))) == ["DU-2"]


# --- idempotency and the archive ------------------------------------------------------------------------


def test_retry_with_the_same_idempotency_key_returns_the_same_answer_and_appends_no_second_event(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "IK"), party("29", "IK", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("IK-1", "02-10-2025", "29"))])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = ok(live_stack, FILED_11, payload, headers=key)
    accepted(first, 1)
    retry = ok(live_stack, FILED_11, payload, headers=key)
    assert retry == first

    events = [e for e in read_events(live_stack) if e.record.get("filer") == supplier]
    assert [(e.key, e.record["reference_id"]) for e in events] == [(recipient, first["reference_id"])]
    assert live_stack.scalar("SELECT count(*) FROM raw_returns WHERE filer = :f", f=supplier) == 1
    fresh = ok(live_stack, FILED_11, payload, headers={"Idempotency-Key": str(uuid.uuid4())})
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
    accepted(answer, 1)
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
