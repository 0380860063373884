"""Hostile request bodies: oversized, deeply nested, huge arrays, malformed encodings, wrongly typed values and
impossible amounts. Every refused request gets a clear 4xx (or a per-item error inside a 200 REQSTS answer)
and changes nothing: digests of the tables and the broker's end offsets are compared around it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from services.api import limits
from services.common.embedded.ports import free_port, wait_for_port
from tests.support.hostile_scene import NOTHING_PUBLISHED, Scene, json_endpoints, make_scene, post_raw, save_body
from tests.support.ims_helpers import invoice
from tests.support.live import LiveStack, dumps, spawn_cli
from tests.support.processes import stop
from tests.support.security_helpers import (
    changes,
    error_of,
    fresh_client,
    snapshot,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def scene(live_stack: LiveStack) -> Scene:
    return make_scene(live_stack)


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
        bodies: dict[str, dict[str, Any]] = {
            "/v1/returns/gstr1?status=saved": {"gstin": scene.supplier, "fp": "102025"},
            "/v1/imports/boe": {"boe": []},
            f"/v1/ims/{a}/actions": save_body(a),
            f"/v1/ims/{a}/actions/reset": save_body(a, reqtyp="RESET"),
            f"/v1/ims/{a}/actions/bulk": {"action": "A", "filter": {}},
        }
        for path, body in bodies.items():
            token = scene.filer if "returns" in path or "boe" in path else scene.recipient_a
            big = dumps({**body, "pad": "x" * 3000}).encode()

            def streamed(data: bytes = big) -> Iterator[bytes]:  # no Content-Length: counted while read
                for start in range(0, len(data), 700):
                    yield data[start : start + 700]

            for how, content in (("declared", big), ("streamed", streamed())):
                answer = post_raw(scene, path, token, content, base)
                if answer.status_code != 413 or "2000 bytes" not in error_of(answer).get("error_msg", ""):
                    failures.append(f"{path} ({how}, {len(big)} bytes): {answer.status_code} {answer.text[:200]}")
        # The fixed 4 KiB limit of the small bodies (GSTR-3B, clock, profile) on the ordinary API.
        for path, token in json_endpoints(scene)[5:]:
            answer = post_raw(scene, path, token, dumps({"pad": "y" * 5000}))
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
    for path, token in json_endpoints(scene):
        for name, body in hostile.items():
            answer = post_raw(scene, path, token, body)
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
        (f"/v1/ims/{a}/actions", scene.recipient_a, save_body(a, {"doc_id": "b2b|x", "action": "A", "stin": deep})),
        (f"/v1/ims/{a}/actions", scene.recipient_a, save_body(a, {"inum": deep, "idt": "05-10-2025", "action": "A"})),
        (f"/v1/ims/{a}/actions", scene.recipient_a, save_body(a, {"doc_id": doc["doc_id"], "action": deep})),
        (f"/v1/ims/{a}/actions/reset", scene.recipient_a, save_body(a, {"boenum": deep}, reqtyp="RESET")),
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
        answer = post_raw(scene, path, token, dumps(body))
        if answer.status_code >= 500 or (answer.status_code == 200 and int(answer.json().get("proc_cnt", -1)) != 0):
            failures.append(f"{path} {dumps(body)[:120]}...: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack, NOTHING_PUBLISHED))
    assert not failures, "\n".join(failures)


# Volume -----------------------------------------------------------------------------------------------------
def test_huge_arrays_within_the_limit_are_answered_promptly_with_per_item_errors(scene: Scene) -> None:
    a, n, s, b = scene.a, 40_000, limits.SAVE.records or 0, limits.BOE.records or 0  # s, b: records a request may hold
    cases = [
        (f"/v1/ims/{a}/actions", scene.recipient_a, dumps(save_body(a, *[{"doc_id": "b2b|x", "action": "A"}] * s)), s),
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
        answer = post_raw(scene, path, token, body)
        took = time.monotonic() - started
        what = f"{path} ({len(body) // 1000} kB)"
        if took > 30:
            failures.append(f"{what}: took {took:.0f}s")
        if items is None:
            if answer.status_code not in (400, 413):
                failures.append(f"{what}: expected 400 or 413, got {answer.status_code} {answer.text[:200]}")
        elif answer.status_code != 200 or (int(answer.json()["err_cnt"]), int(answer.json()["proc_cnt"])) != (items, 0):
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
    for path, token in json_endpoints(scene):
        for name, body in bodies.items():
            answer = post_raw(scene, path, token, body)
            if answer.status_code != 400 or "UTF-8" not in error_of(answer).get("error_msg", ""):
                failures.append(f"{path} {name}: {answer.status_code} {answer.text[:200]}")
    failures += changes(before, snapshot(scene.stack))
    assert not failures, "\n".join(failures)


def test_escaped_lone_surrogates_in_text_fields_get_a_clear_error_never_a_5xx(scene: Scene) -> None:
    """`"\\ud800"` is valid UTF-8 JSON text but no Unicode character: it cannot be stored or published."""
    a, doc = scene.a, scene.a_docs["HX/2"]
    cases = [
        (f"/v1/ims/{a}/actions", scene.recipient_a, save_body(a, {"doc_id": "b2b|\ud800", "action": "A"})),
        (
            f"/v1/ims/{a}/actions",
            scene.recipient_a,
            save_body(a, {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "R", "remarks": "bad \ud800"}),
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
        answer = post_raw(scene, path, token, json.dumps(body))  # ensure_ascii: the escape goes on the wire
        if answer.status_code >= 500 or (answer.status_code == 200 and int(answer.json().get("proc_cnt", -1)) != 0):
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
        (f"/v1/ims/{a}/actions", ra, save_body(a, {"stin": st_, "inum": "HX/9", "idt": "05-10-99999999999999999999"})),
        (
            f"/v1/ims/{a}/actions",
            ra,
            save_body(a, {"stin": st_, "inum": "HX/9", "idt": "99999999999999999999-10-2025"}),
        ),
        (f"/v1/ims/{a}/actions", ra, save_body(a, {"stin": st_, "inum": "HX/9", "idt": "-1--1--1"})),
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
        answer = post_raw(scene, path, token, dumps(body))
        if answer.status_code >= 500 or (
            answer.status_code == 200 and "proc_cnt" in answer.json() and int(answer.json()["proc_cnt"])
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
    answer = post_raw(scene, "/v1/returns/gstr1?status=saved", scene.filer, dumps(body))
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
        refused = post_raw(scene, "/v1/returns/gstr1?status=saved", scene.filer, raw)
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
        saved = post_raw(scene, f"/v1/ims/{scene.a}/actions", scene.recipient_a, dumps(save_body(scene.a, record)))
        assert saved.status_code == 200 and saved.json()["proc_cnt"] == "0", saved.text
        (error,) = saved.json()["error_report"]["b2b"]
        field = next(k for k in record if k.startswith("decl"))
        assert field in error["error_msg"], error
    assert changes(before, snapshot(scene.stack, NOTHING_PUBLISHED)) == []
