"""`ims file PATH --form ...` as a real process: the same REQSTS answer as the HTTP API, and clear exits."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.common.settings import PROJECT_ROOT
from tests.support.ingest_helpers import (
    b2b,
    by_number,
    documents,
    events_of,
    gstr1,
    inter_state,
    party,
    raw_return_count,
)
from tests.support.live import dumps
from tests.support.payloads import EXAMPLES

pytestmark = pytest.mark.e2e


def _ims_file(stack, path: Path, *options: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, **stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", "file", str(path), *options],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _example_path() -> Path:
    name = "gstr1-supplier.json"
    return EXAMPLES / name


def test_ims_file_prints_the_reqsts_answer_with_status_p_for_the_example_and_publishes_it(live_stack) -> None:  # type: ignore[no-untyped-def]
    path = _example_path()
    run = _ims_file(live_stack, path, "--form", "gstr1", "--status", "filed", "--filed-on", "2025-11-11")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert set(answer) == {"reference_id", "status_cd", "proc_cnt", "err_cnt", "error_report"}
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"], answer["error_report"]) == (
        "P",
        7,
        0,
        {},
    )
    assert "validating and publishing gstr1-supplier.json" in run.stderr

    raw = path.read_bytes()
    row = live_stack.scalar(
        "SELECT sha256 || ' ' || actor || ' ' || form FROM raw_returns WHERE reference_id = :r",
        r=answer["reference_id"],
    )
    assert row == f"{hashlib.sha256(raw).hexdigest()} cli gstr1"
    events = events_of(live_stack, answer["reference_id"])
    assert sorted((e.key, len(e.record["documents"])) for e in events) == [
        ("29AABCM7710Q1ZX", 6),
        ("33AAGCN3302H1ZX", 1),
    ]
    assert {(e.envelope.event_type, e.envelope.actor, e.record["status"], e.record["filed_on"]) for e in events} == {
        ("DocumentsFiled", "cli", "filed", "2025-11-11")
    }
    live_stack.wait_projected()
    assert sorted(by_number(documents(live_stack, "29AABCM7710Q1ZX", "b2b"))) == [
        "MH/25-26/0001",
        "MH/25-26/0002",
    ]


def test_ims_file_saves_a_partly_invalid_file_and_exits_0_with_pe(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "CP"), party("29", "CP", 2)
    payload = gstr1(
        supplier,
        "102025",
        b2b=[b2b(recipient, inter_state("CP-1", "02-10-2025", "29"), inter_state("CP-2", "05-11-2025", "29"))],
    )
    path = tmp_path / "partly.json"
    path.write_text(dumps(payload))
    run = _ims_file(live_stack, path, "--form", "gstr1", "--status", "saved")
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 1, 1)
    assert answer["error_report"] == {
        "b2b": [
            {
                "ctin": recipient,
                "inum": "CP-2",
                "error_cd": "DATE_OUT_OF_RANGE",
                "error_msg": "idt: 05-11-2025 is after the last day of return period 102025",
            }
        ]
    }
    (event,) = events_of(live_stack, answer["reference_id"])
    assert (event.record["status"], event.record["filed_on"]) == ("saved", None)
    assert [doc["number"] for doc in event.record["documents"]] == ["CP-1"]
    live_stack.wait_projected()
    (record,) = documents(live_stack, recipient)
    assert (record["inum"], record["srcfilstatus"]) == ("CP-1", "Not Filed")


def test_ims_file_exits_1_with_er_when_every_document_is_refused(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "CE"), party("29", "CE", 2)
    payload = gstr1(supplier, "102025", b2b=[b2b(recipient, inter_state("CE-1", "05-11-2025", "29"))])
    path = tmp_path / "all-bad.json"
    path.write_text(dumps(payload))
    run = _ims_file(live_stack, path, "--form", "gstr1", "--filed-on", "2025-11-11")
    assert run.returncode == 1, run.stderr
    answer = json.loads(run.stdout)
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("ER", 0, 1)
    assert events_of(live_stack, answer["reference_id"]) == []


def test_ims_file_reports_a_missing_file_and_exits_non_zero(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "nowhere.json"
    run = _ims_file(live_stack, missing, "--form", "gstr1", "--filed-on", "2025-11-11")
    assert run.returncode != 0
    assert run.stdout == ""
    assert f"ims file: {missing}: no such file" in run.stderr


def test_ims_file_reports_invalid_json_and_exits_non_zero(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.json"
    path.write_text('{"gstin": "27AAPFK4821M1ZT", "fp": ')
    before = raw_return_count(live_stack)
    run = _ims_file(live_stack, path, "--form", "gstr1", "--filed-on", "2025-11-11")
    assert run.returncode != 0
    assert run.stdout == ""
    assert f"ims file: {path}: not valid JSON: Expecting value: line 1 column 36 (char 35)" in run.stderr
    assert raw_return_count(live_stack) == before


def test_ims_file_exits_2_with_the_reason_when_the_whole_return_is_refused(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    supplier, recipient = party("27", "CR"), party("29", "CR", 2)
    path = tmp_path / "bad-fp.json"
    path.write_text(dumps(gstr1(supplier, "132025", b2b=[b2b(recipient, inter_state("CR-1", "02-10-2025", "29"))])))
    before = raw_return_count(live_stack)
    run = _ims_file(live_stack, path, "--form", "gstr1", "--filed-on", "2025-11-11")
    assert run.returncode == 2, run.stderr
    assert run.stdout == ""
    assert "ims file: refused: fp: return period 132025 (MMYYYY): month must be 1..12, got 13" in run.stderr
    assert raw_return_count(live_stack) == before

    run = _ims_file(live_stack, _example_path(), "--form", "gstr1", "--status", "filed")
    assert run.returncode == 2, run.stderr
    assert "ims file: refused: filed_on: required (YYYY-MM-DD) when status is 'filed'" in run.stderr
    assert raw_return_count(live_stack) == before
