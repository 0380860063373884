"""A 20,000-document GSTR-1 streamed through the CLI and HTTP: exact events, chunking, nothing from a bad tail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from services.common.settings import PROJECT_ROOT
from services.demo.synthetic import write_large_return
from services.ingest.domain.gstr1 import read_return
from services.ingest.records import document_record
from tests.support.ingest_helpers import events_of, logged_events, raw_return_count

pytestmark = pytest.mark.e2e
FP, FILED_ON = "102025", date(2025, 11, 11)


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> tuple[Path, dict]:  # type: ignore[type-arg]
    path = tmp_path_factory.mktemp("large") / "gstr1-20000.json"
    return path, write_large_return(path, 11, FP, 20_000, recipients=4)


def _expected_records(path: Path) -> dict[str, list[dict]]:  # type: ignore[type-arg]
    """What the events must carry, computed through the whole-payload read (the reference path)."""
    contents = read_return(json.loads(path.read_text(), parse_float=Decimal), "R1")
    assert contents.refused == ()
    expected: dict[str, list[dict]] = {}  # type: ignore[type-arg]
    for doc in contents.documents:
        expected.setdefault(doc.recipient, []).append(document_record(doc, FILED_ON))
    return expected


@pytest.mark.parametrize("native", ["1", "0"], ids=["native-fast-path", "python-worker-processes"])
def test_ims_file_streams_a_20000_document_return_into_exact_chunked_events_with_a_progress_bar(
    live_stack, large, native
) -> None:  # type: ignore[no-untyped-def]
    path, summary = large
    env = {**os.environ, **live_stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT), "IMS_NATIVE_ROWS": native}
    run = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "file", str(path), "--form", "gstr1", "--filed-on", "2025-11-11"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("P", 20_000, 0)
    bars = [line for line in run.stderr.splitlines() if line.startswith("reading [")]
    percents = [int(line.split("]")[1].split("%")[0]) for line in bars]  # a line per 10% step: not a terminal
    assert bars[0].startswith("reading [....") and bars[-1].startswith("reading [####")
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(set(percents)) and len(percents) >= 3

    events = events_of(live_stack, answer["reference_id"])
    chunk = live_stack.settings.chunk_documents
    expected = _expected_records(path)
    assert Counter(e.key for e in events) == {r: -(-len(docs) // chunk) for r, docs in expected.items()}
    for recipient, docs in expected.items():
        mine = sorted((e for e in events if e.key == recipient), key=lambda e: e.record["chunk"])
        assert [e.record["chunk"] for e in mine] == list(range(len(mine)))
        assert {e.record["chunks"] for e in mine} == {len(mine)}
        assert all(len(e.record["documents"]) <= chunk for e in mine)
        carried = [doc for e in mine for doc in e.record["documents"]]
        fields = list(carried[0])  # what the schema carries (records hold a few more keys, never written)
        assert carried == [{k: doc[k] for k in fields} for doc in docs], f"{recipient}: differs from the reference"
    assert sum(len(docs) for docs in expected.values()) == summary["documents"] == 20_000


def test_a_large_return_malformed_near_its_end_is_refused_whole_and_publishes_and_claims_nothing(
    live_stack, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "unseen.json"
    write_large_return(path, 12, FP, 20_000, recipients=3)
    text = path.read_text()
    broken = text[: len(text) - 40] + ",]}]}"  # the last invoices cut off mid-row
    offsets, raws = logged_events(live_stack), raw_return_count(live_stack)
    claims = live_stack.scalar("SELECT count(*) FROM document_numbers")
    response = live_stack.http.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-12",
        content=broken.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["detail"]["error_msg"].startswith("body: malformed JSON: ")
    assert logged_events(live_stack) == offsets
    assert raw_return_count(live_stack) == raws
    assert live_stack.scalar("SELECT count(*) FROM document_numbers") == claims


def test_a_large_return_posted_over_http_is_streamed_checked_and_filed_whole(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "http.json"
    summary = write_large_return(path, 13, FP, 20_000, recipients=2)
    assert path.stat().st_size >= live_stack.settings.parallel_from_bytes  # the large-return path
    response = live_stack.http.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-11",
        content=path.read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("P", 20_000, 0)
    events = events_of(live_stack, answer["reference_id"])
    assert sum(len(e.record["documents"]) for e in events) == 20_000
    assert {e.key for e in events} == set(summary["recipients"])
