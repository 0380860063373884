"""GETINV and REQSTS against GSTN's published key paths (tests/golden-spec/), section by section:
every key GSTN has is there with GSTN's JSON type, and every other key is one GSTN sends when set or one
of ours named in README ("Keys of ours"). docs/rules.md §8."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.gstn_keys import SPEC_DIR, json_type, leaves, load
from tests.support.ims_helpers import (
    answer_of,
    document,
    file_return,
    gstin,
    gstr1,
    invoice,
    note,
    parsed,
    record_of,
)
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e

GSTN_WHEN_SET = {"prev_status", "remarks", "isRemarksBlocked", "itcRedReq", "isItcRedReqBlocked",
                 "declIgst", "declCgst", "declSgst", "declCess"}  # fmt: skip
OURS = {"doc_id", "gstr2bprd", "pendactdeadline", "ntty", "etin", "deemed"}  # README, "Keys of ours"
TYPES = {"prev_status": "string", "remarks": "string", "isRemarksBlocked": "string", "itcRedReq": "string",
         "isItcRedReqBlocked": "string", "declIgst": "number", "declCgst": "number", "declSgst": "number",
         "declCess": "number"}  # fmt: skip


@pytest.fixture(scope="module")
def filed(live_stack: LiveStack) -> tuple[LiveStack, str, str]:
    """Originals in September, their amendments in October: a document in every GETINV section."""
    live, supplier, recipient = live_stack, gstin("27", "G"), gstin("29", "G")
    september = gstr1(
        supplier,
        "092025",
        recipient,
        b2b=[invoice("G-1", "10-09-2025", "1000.00")],
        cdnr=[note("GC-1", "11-09-2025", "100.00"), note("GD-1", "12-09-2025", "50.00", "D")],
    )
    file_return(live, september, "2025-10-11")
    october = gstr1(
        supplier,
        "102025",
        recipient,
        b2b=[invoice("G-2", "10-10-2025", "2000.00")],
        b2ba=[invoice("G-1", "10-09-2025", "900.00", oinum="G-1", oidt="10-09-2025")],
        cdnr=[note("GC-2", "11-10-2025", "200.00"), note("GD-2", "12-10-2025", "80.00", "D")],
        cdnra=[
            note("GC-1", "11-09-2025", "120.00", ont_num="GC-1", ont_dt="11-09-2025"),
            note("GD-1", "12-09-2025", "40.00", "D", ont_num="GD-1", ont_dt="12-09-2025"),
        ],
    )
    file_return(live, october, "2025-11-11")
    live.wait_projected()
    return live, supplier, recipient


def test_getinv_records_carry_every_gstn_key_with_its_type_and_nothing_unnamed(
    filed: tuple[LiveStack, str, str],
) -> None:
    live, _, recipient = filed
    credit = document(live, recipient, "GC-2")
    taken = live.post(
        f"/v1/ims/{recipient}/actions",
        {"rtin": recipient, "reqtyp": "SAVE", "invdata": {"b2bcn": [record_of(credit, "A", itcRedReq="N")]}},
    )
    assert answer_of(taken)["status_cd"] == "P"
    live.wait_projected()

    answer = live.http.get(f"/v1/ims/{recipient}/documents")
    assert answer.status_code == 200 and "X-Next-Cursor" not in answer.headers, answer.text
    body = parsed(answer)
    gstn = load("getinv.keys").types
    sections = {path.split("[]")[0] for path in gstn}
    assert set(body) == sections == {"b2b", "b2ba", "b2bcn", "b2bcna", "b2bdn", "b2bdna"}
    for section, records in body.items():
        wanted = {path.split(".", 1)[1]: kind for path, kind in gstn.items() if path.startswith(section + "[]")}
        for record in records:
            missing = [key for key in wanted if key not in record]
            assert missing == [], f"{section} {record['doc_id']}: GSTN's keys missing: {missing}"
            wrong = {k: json_type(record[k]) for k in wanted if json_type(record[k]) != wanted[k]}
            assert wrong == {}, f"{section}: not GSTN's types: {wrong}"
            unnamed = set(record) - set(wanted) - GSTN_WHEN_SET - OURS
            assert unnamed == set(), f"{section}: keys neither GSTN's nor named in README: {unnamed}"
            for key in GSTN_WHEN_SET & set(record):
                assert record[key] not in (None, "") and json_type(record[key]) == TYPES[key], (key, record)
    (kept,) = (r for r in body["b2bcn"] if r["nt_num"] == "GC-2")
    assert (kept["itcRedReq"], kept["isItcRedReqBlocked"], kept["prev_status"]) == ("N", "N", "N")
    (plain,) = (r for r in body["b2b"] if r["inum"] == "G-2")
    assert "remarks" not in plain and "itcRedReq" not in plain and plain["isItcRedReqBlocked"] == "Y"


def _shape_of(answer: dict[str, Any], sample: dict[str, Any]) -> None:
    """`answer` has every key of GSTN's sample answer with the same JSON type, at every level."""
    assert {k: json_type(answer[k]) for k in sample} == {k: json_type(v) for k, v in sample.items()}
    for section, entries in answer["error_report"].items():
        (shape,) = sample["error_report"]["b2b"]
        for entry in entries:
            assert set(entry) == set(shape), (section, entry)
            assert all(json_type(entry[k]) == json_type(shape[k]) for k in shape), entry
            assert entry["inv"] and all({"rtnprd"} <= set(i) for i in entry["inv"]), entry


def test_save_answers_and_request_status_are_gstns_reqsts(filed: tuple[LiveStack, str, str]) -> None:
    live, supplier, recipient = filed
    sample = json.loads((SPEC_DIR / "reqsts.json").read_text())
    invoice_doc, debit = document(live, recipient, "G-2"), document(live, recipient, "GD-2")
    stale = [record_of(invoice_doc, "A") | {"hash": "0" * 64, "inum": "G-2", "idt": "10-10-2025", "rtnprd": "102025"}]
    envelope = {
        "action": "SAVE",
        "data": {
            "rtin": recipient,
            "reqtyp": "SAVE",
            "invdata": {"b2b": stale, "b2bdn": [record_of(debit, "R", remarks="not ordered")]},
        },
    }
    answer = answer_of(live.post(f"/v1/ims/{recipient}/actions", envelope))

    _shape_of(answer, sample)
    assert (answer["status_cd"], answer["transTypCd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", "SAV", "1", "1")
    assert answer["error_report"] == {
        "b2b": [
            {
                "stin": supplier,
                "error_cd": "STALE_HASH",
                "error_msg": "hash: the document changed since it was read; fetch it again",
                "inv": [{"inum": "G-2", "rtnprd": "102025", "doc_id": invoice_doc["doc_id"]}],
            }
        ]
    }
    live.wait_projected()
    status = answer_of(live.http.get(f"/v1/ims/{recipient}/requests/{answer['reference_id']}"))
    assert status == answer
    assert set(leaves(status)) == set(leaves(answer))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"data": {}}, "action: must be 'SAVE'"),
        ({"action": "RESETIMS", "data": {}}, "action: must be 'SAVE', got 'RESETIMS'"),
        ({"invoices": []}, "body: expected GSTN's SAVE data {rtin, reqtyp, invdata} or its envelope {action, data}"),
    ],
)
def test_a_save_body_of_neither_gstn_shape_is_refused_400_naming_the_problem(
    filed: tuple[LiveStack, str, str], body: dict[str, Any], message: str
) -> None:
    live, _, recipient = filed
    refused = live.post(f"/v1/ims/{recipient}/actions", body)
    assert refused.status_code == 400 and message in refused.text, refused.text
