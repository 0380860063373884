"""The registry of taxpayer names on the live stack (docs/rules.md §8.5): loaded over HTTP (JSON and CSV) and by
`ims taxpayers load`, read back by the admin route and by `names_of`, a later load replacing earlier names, and
`ims replay --all` rebuilding the very same table from the log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from services.bootstrap import build_container
from services.cli.replay import read_model_digests
from services.common.digest import digests
from services.common.gst.gstin import check_character
from services.common.settings import PROJECT_ROOT, REGISTRY_TOPIC
from services.registry.names import UNKNOWN, Names, names_of
from services.registry.projection import RegistryProjection
from tests.support.live import LiveStack
from tests.support.rebuild import rebuild_only

pytestmark = pytest.mark.e2e
KAVERI, MANJUNATH, NILGIRI = "27AAPFK4821M1ZT", "29AABCM7710Q1ZX", "33AAGCN3302H1ZX"
RAJ, UMA = "29AABCR1718E1ZL", "27AAPFU0939F1ZV"
NEVER = "27AAAPA0001A1Z" + check_character("27AAAPA0001A1Z")  # loaded by no test
BAD_CHECK = KAVERI[:14] + "A"


def _load_csv(stack: LiveStack, body: str, **headers: str) -> Any:
    csv = {"Content-Type": "text/csv", **headers}
    return stack.http.post("/v1/admin/taxpayers", content=body.encode(), headers=csv)


def _names(stack: LiveStack, *gstins: str) -> dict[str, Names]:
    stack.wait_projected("registry")
    with stack.engine.connect() as conn:
        return names_of(conn, gstins)


def _registry_events(stack: LiveStack) -> int:
    return int(stack.scalar("SELECT count(*) FROM event_log WHERE topic = :t", t=stack.settings.topic(REGISTRY_TOPIC)))


def test_names_loaded_over_http_are_read_back_and_a_later_load_replaces_them(live_stack: LiveStack) -> None:
    first = live_stack.post(
        "/v1/admin/taxpayers",
        {
            "taxpayers": [
                {"gstin": KAVERI, "legal_name": "KAVERI TEXTILES PRIVATE LIMITED", "trade_name": "Kaveri Mills"},
                {"gstin": MANJUNATH, "legal_name": " MANJUNATH TRADERS ", "trade_name": ""},
                {"gstin": NILGIRI, "legal_name": "NILGIRI FOODS LLP", "trade_name": "Nilgiri Fresh"},
            ]
        },
    )
    assert first.status_code == 200, first.text
    answer = first.json()
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"], answer["error_report"]) == ("P", 3, 0, {})
    assert _names(live_stack, KAVERI, MANJUNATH, NEVER) == {
        KAVERI: Names("KAVERI TEXTILES PRIVATE LIMITED", "Kaveri Mills"),
        MANJUNATH: Names("MANJUNATH TRADERS", ""),
        NEVER: UNKNOWN,
    }
    read = live_stack.http.get(f"/v1/admin/taxpayers/{KAVERI}")
    assert read.status_code == 200, read.text
    assert {k: read.json()[k] for k in ("gstin", "legal_name", "trade_name", "reference_id")} == {
        "gstin": KAVERI,
        "legal_name": "KAVERI TEXTILES PRIVATE LIMITED",
        "trade_name": "Kaveri Mills",
        "reference_id": answer["reference_id"],
    }

    second = _load_csv(
        live_stack,
        "GSTIN,Legal Name,Trade Name\r\n"
        f"{KAVERI},KAVERI TEXTILES PRIVATE LIMITED,\r\n"
        f'{RAJ},"RAJ & SONS, TRADERS",Raj Stores\r\n'
        f"{BAD_CHECK},SOMEONE,\r\n",
    )
    assert second.status_code == 200, second.text
    reloaded = second.json()
    assert (reloaded["status_cd"], reloaded["proc_cnt"], reloaded["err_cnt"]) == ("PE", 2, 1)
    (error,) = reloaded["error_report"]["taxpayers"]
    assert (error["row"], error["field"], error["error_cd"], error["gstin"]) == (4, "gstin", "INVALID_GSTIN", BAD_CHECK)
    assert error["error_msg"].startswith("gstin: ")
    assert _names(live_stack, KAVERI, RAJ, NILGIRI) == {
        KAVERI: Names("KAVERI TEXTILES PRIVATE LIMITED", ""),  # the later load's empty trade name stands
        RAJ: Names("RAJ & SONS, TRADERS", "Raj Stores"),
        NILGIRI: Names("NILGIRI FOODS LLP", "Nilgiri Fresh"),  # named by no later load: kept
    }
    assert live_stack.http.get(f"/v1/admin/taxpayers/{KAVERI}").json()["reference_id"] == reloaded["reference_id"]
    unknown = live_stack.http.get(f"/v1/admin/taxpayers/{NEVER}")
    assert unknown.status_code == 404 and unknown.json()["detail"]["error_cd"] == "NOT_FOUND"
    assert live_stack.http.get(f"/v1/admin/taxpayers/{BAD_CHECK}").status_code == 400


def test_a_body_that_is_not_a_load_is_refused_whole_and_logs_nothing(live_stack: LiveStack) -> None:
    before = _registry_events(live_stack)
    for response, message in (
        (_load_csv(live_stack, f"{KAVERI},KAVERI TEXTILES\n"), "header: column 1"),
        (live_stack.post("/v1/admin/taxpayers", {"taxpayers": []}), "taxpayers: no rows to load"),
        (
            live_stack.http.post("/v1/admin/taxpayers", content=b"x", headers={"Content-Type": "text/plain"}),
            "Content-Type: expected application/json or text/csv",
        ),
        (
            live_stack.http.post(
                "/v1/admin/taxpayers", content="[" * 100_000, headers={"Content-Type": "application/json"}
            ),
            "nested",
        ),
        (
            live_stack.http.post(
                "/v1/admin/taxpayers", content=b'{"taxpayers": "\xff"}', headers={"Content-Type": "application/json"}
            ),
            "UTF-8",
        ),
    ):
        assert response.status_code == 400, response.text
        assert message in response.json()["detail"]["error_msg"], response.text
    latin1 = live_stack.http.post(
        "/v1/admin/taxpayers", content=b"gstin,legal_name\n\xff", headers={"Content-Type": "text/csv"}
    )
    assert latin1.status_code == 400 and "not valid UTF-8 at byte 17" in latin1.text
    assert _registry_events(live_stack) == before


def test_a_retried_load_and_a_load_of_refused_rows_log_no_event(live_stack: LiveStack) -> None:
    before = _registry_events(live_stack)
    body = f"gstin,legal_name,trade_name\n{UMA},UMA ENTERPRISES,Uma\n"
    first = _load_csv(live_stack, body, **{"Idempotency-Key": "names-1"})
    again = _load_csv(live_stack, body.replace("Uma\n", "Uma Stores\n"), **{"Idempotency-Key": "names-1"})
    assert first.status_code == again.status_code == 200 and first.json() == again.json()
    assert first.json()["status_cd"] == "P"
    assert _registry_events(live_stack) == before + 1
    assert _names(live_stack, UMA)[UMA] == Names("UMA ENTERPRISES", "Uma")

    refused = live_stack.post("/v1/admin/taxpayers", {"taxpayers": [{"gstin": BAD_CHECK, "legal_name": ""}]})
    assert refused.status_code == 200, refused.text
    answer = refused.json()
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("ER", 0, 1)
    (error,) = answer["error_report"]["taxpayers"]
    assert error["row"] == 1 and error["error_msg"].split("; ")[1] == "legal_name: required"
    nul = _load_csv(live_stack, f"gstin,legal_name\n{UMA[:5]}\x00{UMA[5:]},UMA\n")
    assert nul.status_code == 200 and nul.json()["status_cd"] == "ER", nul.text
    assert _registry_events(live_stack) == before + 1


def _ims(stack: LiveStack, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *argv],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ims_taxpayers_load_prints_the_answer_and_exits_non_zero_when_nothing_was_loaded(
    live_stack: LiveStack, tmp_path: Path
) -> None:
    good = tmp_path / "names.csv"
    good.write_text(f"gstin,legal_name,trade_name\n{NILGIRI},नीलगिरि फूड्स एलएलपी,\n{MANJUNATH},MANJUNATH TRADERS,\n")
    loaded = _ims(live_stack, "taxpayers", "load", str(good))
    assert loaded.returncode == 0, loaded.stderr
    answer = json.loads(loaded.stdout)
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("P", 2, 0)
    assert _names(live_stack, NILGIRI)[NILGIRI] == Names("नीलगिरि फूड्स एलएलपी", "")

    as_json = tmp_path / "names.json"
    as_json.write_text(json.dumps({"taxpayers": [{"gstin": KAVERI.lower(), "legal_name": "KAVERI"}]}))
    refused = _ims(live_stack, "taxpayers", "load", str(as_json))
    assert refused.returncode == 1, refused.stderr
    assert json.loads(refused.stdout)["status_cd"] == "ER"

    headerless = tmp_path / "headerless.csv"
    headerless.write_text(f"{KAVERI},KAVERI\n")
    unreadable = _ims(live_stack, "taxpayers", "load", str(headerless))
    assert unreadable.returncode == 2 and "header: column 1" in unreadable.stderr
    missing = _ims(live_stack, "taxpayers", "load", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def _rows(stack: LiveStack) -> list[tuple[Any, ...]]:
    with stack.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT * FROM taxpayer_names ORDER BY gstin"))]


def test_replay_rebuilds_the_registry_of_names_row_for_row(live_stack: LiveStack) -> None:
    live_stack.wait_projected("registry")
    rows, live = _rows(live_stack), read_model_digests(live_stack.settings)
    assert len(rows) == 5 and live["taxpayer_names"][0] == len(rows)

    container = build_container(live_stack.settings)
    try:
        engine = rebuild_only(container, ["registry"], f"{live_stack.settings.db_schema}_names", "archive")
        with engine.connect() as conn:
            rebuilt = digests(conn, RegistryProjection.tables)
        engine.dispose()
    finally:
        container.close()
    assert {t: list(v) for t, v in rebuilt.items()} == {"taxpayer_names": live["taxpayer_names"]}

    done = _ims(live_stack, "replay", "--all")
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1])["replayed"]["registry"] >= 4
    assert _rows(live_stack) == rows
    assert read_model_digests(live_stack.settings) == live
