"""IMS SAVE / RESETIMS bodies and answers in GSTN's shapes (docs/rules.md §8): the body is taken bare or in
GSTN's envelope (services/actions/commands/save_body.py), and the answer goes out as GSTN's REQSTS
(services/actions/views/reqsts.py) whatever the request log holds."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from services.actions.commands.save_body import read_save, refusal
from services.actions.views.reqsts import gstn_answer
from tests.support.ims_documents import RECIPIENT, SUPPLIER

RECORD = {"stin": SUPPLIER, "inum": "INV-1", "idt": "03-10-2025", "rtnprd": "102025", "hash": "a" * 64, "action": "A"}


def read(body: Any, reset: bool = False) -> tuple[int, str] | None:
    parsed = read_save(io.BytesIO(json.dumps(body).encode()), reset, 100)
    return refusal(parsed, RECIPIENT, "RESET" if reset else "SAVE") or (200, f"{len(parsed.items)} items")


def test_the_bare_body_and_gstns_envelope_are_read_alike() -> None:
    data = {"rtin": RECIPIENT, "reqtyp": "SAVE", "invdata": {"b2b": [RECORD, RECORD]}}
    assert read(data) == read({"action": "SAVE", "data": data}) == (200, "2 items")
    reset = {"rtin": RECIPIENT, "reqtyp": "RESET", "invdata": {"b2b": [RECORD]}}
    assert read({"action": "RESETIMS", "data": reset}, reset=True) == (200, "1 items")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, (400, "body: expected GSTN's SAVE data {rtin, reqtyp, invdata} or its envelope {action, data}")),
        ({"hello": 1}, (400, "body: expected GSTN's SAVE data {rtin, reqtyp, invdata} or its envelope {action, data}")),
        ({"action": "RESETIMS", "data": {}}, (400, "action: must be 'SAVE', got 'RESETIMS'")),
        ({"action": "SAVE"}, (400, "data: expected an object {rtin, reqtyp, invdata}")),
        ({"action": "SAVE", "data": [1]}, (400, "data: expected an object {rtin, reqtyp, invdata}")),
        ({"action": "SAVE", "data": {"reqtyp": "SAVE", "invdata": {}}}, (400, "rtin: required, the recipient GSTIN")),
        ({"action": "SAVE", "rtin": RECIPIENT, "data": {}}, (400, "body: either GSTN's envelope {action, data} or "
                                                                 "its data {rtin, reqtyp, invdata}, not both")),
        ({"action": "SAVE", "data": {"rtin": "27AAPFK4821M1ZT", "reqtyp": "SAVE", "invdata": {"b2b": []}}},
         (403, f"rtin: must be the recipient in the path ({RECIPIENT})")),
    ],
)  # fmt: skip
def test_a_body_of_neither_shape_is_refused_naming_what_is_wrong(body: Any, expected: tuple[int, str]) -> None:
    assert read(body) == expected


LOGGED = {
    "reference_id": "ref-1",
    "status_cd": "PE",
    "proc_cnt": 10,
    "err_cnt": 3,
    "transTypCd": "SAV",
    "error_report": {
        "b2b": [
            {"stin": SUPPLIER, "inum": "S1/0001", "rtnprd": "102025", "error_cd": "STALE_HASH", "error_msg": "hash: x"},
            {"stin": SUPPLIER, "inum": "S1/0002", "rtnprd": "102025", "error_cd": "STALE_HASH", "error_msg": "hash: x"},
        ],
        "b2bdn": [{"doc_id": f"b2bdn|{SUPPLIER}|2025|DN/7", "error_cd": "FROZEN", "error_msg": "filed"}],
    },
}


def test_an_answer_goes_out_in_gstns_request_status_shape() -> None:
    assert gstn_answer(LOGGED) == {
        "reference_id": "ref-1",
        "status_cd": "PE",
        "transTypCd": "SAV",
        "proc_cnt": "10",
        "err_cnt": "3",
        "err_cd": "",
        "err_msg": "",
        "error_report": {
            "b2b": [
                {"stin": SUPPLIER, "error_cd": "STALE_HASH", "error_msg": "hash: x", "inv": [
                    {"inum": "S1/0001", "rtnprd": "102025"}, {"inum": "S1/0002", "rtnprd": "102025"}]},
            ],
            "b2bdn": [
                {"stin": SUPPLIER, "error_cd": "FROZEN", "error_msg": "filed", "inv": [
                    {"nt_num": "DN/7", "doc_id": f"b2bdn|{SUPPLIER}|2025|DN/7"}]},
            ],
        },
    }  # fmt: skip


def test_rendering_keeps_our_keys_beside_gstns_and_is_idempotent() -> None:
    logged = LOGGED | {"defaulted": {"itcRedReq": "Y", "documents": {}}}
    once = gstn_answer(logged)
    assert once["defaulted"] == logged["defaulted"] and gstn_answer(once) == once
    older = {k: v for k, v in LOGGED.items() if k != "transTypCd"}  # logged before transTypCd was kept
    assert gstn_answer(older)["transTypCd"] == "SAV"
