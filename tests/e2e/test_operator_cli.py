"""The operator's `ims` commands against the real stack: demo, counts, act, tick, gstr2b, tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from services.common.settings import PROJECT_ROOT
from tests.support.payloads import example

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"
SUPPLIER = "27AAPFK4821M1ZT"


def ims(live_stack, *argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, **live_stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT_ROOT,
    )


def test_demo_loads_every_kind_of_document_through_the_ingest_path(live_stack) -> None:  # type: ignore[no-untyped-def]
    done = ims(live_stack, "demo")
    assert done.returncode == 0, done.stderr[-2000:]
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert answers and all(a["status_cd"] == "P" for a in answers), answers
    last = done.stderr.replace("\r", "\n").splitlines()[-1]  # the progress bar, on stderr
    assert last.startswith("demo filings: 100%") and f"{len(answers)}/{len(answers)}" in last, done.stderr[-500:]
    assert {a["form"] for a in answers} >= {"gstr1", "iff", "gstr6", "boe"}
    live_stack.wait_projected()
    with live_stack.engine.connect() as conn:
        sections = set(conn.execute(text("SELECT DISTINCT section FROM ims_documents")).scalars())
        parts = set(conn.execute(text("SELECT DISTINCT part FROM ims_documents")).scalars())
    assert {"b2b", "b2ba", "b2bcn", "b2bdn", "ecom", "isd", "impg"} <= sections
    assert {"ims", "revsup", "itcunavl"} <= parts


def test_counts_act_tick_and_gstr2b_commands_work_like_the_api(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    live_stack.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json"))
    live_stack.wait_projected()
    table = ims(live_stack, "counts", RECIPIENT)
    assert table.returncode == 0
    assert "I B2B - Invoices" in table.stdout and "V B2B - Credit Notes" in table.stdout
    assert "IMPGSEZ (Amendments)" in table.stdout
    b2b_row = next(line for line in table.stdout.splitlines() if "I B2B - Invoices" in line)
    assert b2b_row.split()[-4:] == ["2", "0", "0", "0"]

    acted = ims(live_stack, "act", RECIPIENT, "accept", "--supplier", SUPPLIER, "--section", "b2b")
    assert acted.returncode == 0 and json.loads(acted.stdout)["proc_cnt"] == "2"
    live_stack.wait_projected()
    b2b_row = next(
        line for line in ims(live_stack, "counts", RECIPIENT).stdout.splitlines() if "I B2B - Invoices" in line
    )
    assert b2b_row.split()[-4:] == ["0", "2", "0", "0"]
    assert ims(live_stack, "counts", "29AABCM7710Q1ZA").returncode == 2, "a bad GSTIN is refused"

    ticked = ims(live_stack, "tick", "2025-11-14")
    assert ticked.returncode == 0 and "2025-11-14" in ticked.stdout
    live_stack.wait_projected()
    statement = ims(live_stack, "gstr2b", RECIPIENT, "102025")
    assert statement.returncode == 0
    body = json.loads(statement.stdout)
    data = body["data"]
    assert body["statement_version"] == 1 and data["itcsumm"]["itcavl"]["nonrevsup"]["b2b"]["igst"] == 19250.03
    xlsx = tmp_path / "2b.xlsx"
    assert ims(live_stack, "gstr2b", RECIPIENT, "102025", "--format", "xlsx", "--output", str(xlsx)).returncode == 0
    assert xlsx.read_bytes()[:2] == b"PK"
    csv_path = tmp_path / "2b.csv"
    assert ims(live_stack, "gstr2b", RECIPIENT, "102025", "--format", "csv", "--output", str(csv_path)).returncode == 0
    assert "B2B,27AAPFK4821M1ZT," in csv_path.read_text()
    again = ims(live_stack, "gstr2b", RECIPIENT, "102025", "--recompute")
    assert again.returncode == 0
    live_stack.wait_projected()
    versions = live_stack.http.get(f"/v1/gstr2b/{RECIPIENT}/102025/versions").json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]


def test_token_commands_create_revoke_and_list_and_store_only_a_hash(live_stack) -> None:  # type: ignore[no-untyped-def]
    created = ims(live_stack, "token", "create", "--role", "recipient", "--gstin", RECIPIENT, "--expires", "30d")
    assert created.returncode == 0
    token = created.stdout.strip()
    assert token.startswith("ims_")
    assert live_stack.scalar("SELECT count(*) FROM api_tokens WHERE token_hash = :t OR token_id = :t", t=token) == 0
    headers = {"Authorization": f"Bearer {token}"}
    assert live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts", headers=headers).status_code == 200
    assert live_stack.http.get("/v1/ims/33AAGCN3302H1ZX/counts", headers=headers).status_code == 403
    assert "recipient" in ims(live_stack, "token", "list").stdout
    assert ims(live_stack, "token", "revoke", token).returncode == 0
    assert live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts", headers=headers).status_code == 401
    bad = ims(live_stack, "token", "create", "--role", "recipient", "--gstin", "29AABCM7710Q1ZA")
    assert bad.returncode == 2 and "gstin" in bad.stderr


def test_act_rejects_with_remarks_keeps_pending_and_resets(live_stack) -> None:  # type: ignore[no-untyped-def]
    from tests.support.ims_helpers import counts, documents, file_return, gstin, gstr1, invoice, section_counts

    supplier, recipient = gstin("27"), gstin("29")
    body = gstr1(supplier, "102025", recipient, b2b=[invoice("CLI-1", "03-10-2025", "100.00")])
    file_return(live_stack, body, "2025-11-11")
    live_stack.wait_projected()
    steps = (
        (("reject", "--remarks", "rate differs"), {"reject": 1}, "rate differs"),
        (("pending", "--remarks", "awaiting goods"), {"pending": 1}, "awaiting goods"),
        (("reset",), {"noaction": 1}, None),
    )
    for argv, expected, remarks in steps:
        done = ims(live_stack, "act", recipient, argv[0], "--supplier", supplier, "--section", "b2b", *argv[1:])
        assert done.returncode == 0 and json.loads(done.stdout)["proc_cnt"] == "1", done.stderr[-2000:]
        live_stack.wait_projected()
        tally = {k: v for k, v in section_counts(counts(live_stack, recipient), "b2b").items() if v}
        assert tally == expected, argv
        assert documents(live_stack, recipient)[0].get("remarks") == remarks, argv
