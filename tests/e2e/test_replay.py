"""Replay: any read model thrown away and rebuilt from the log (Kafka or PostgreSQL) is identical, and the
log itself, the system of record, is not touched."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading

import httpx
import pytest

from services.actions.projector.projection import ImsProjection
from services.bootstrap import build_container
from services.cli.replay import read_model_digests
from services.common.digest import digests
from services.common.settings import PROJECT_ROOT
from services.demo.synthetic import Mix, dumps, gstr1_return, make_universe
from tests.support.processes import wait_until
from tests.support.rebuild import rebuild_only

pytestmark = pytest.mark.e2e
IMS_TABLES = ImsProjection.tables


def _file(live_stack, payload: dict, filed_on: str) -> None:  # type: ignore[no-untyped-def]
    answer = live_stack.http.post(
        f"/v1/returns/gstr1?filed_on={filed_on}",
        content=dumps(payload),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 200 and answer.json()["err_cnt"] == 0, answer.text


def _random_actions(live_stack, rng: random.Random, recipient: str) -> None:  # type: ignore[no-untyped-def]
    listing = live_stack.http.get(f"/v1/ims/{recipient}/documents", params={"limit": 5000}).json()
    invdata: dict[str, list[dict]] = {}
    for section, records in listing.items():
        for record in rng.sample(records, k=len(records) // 2):
            action = rng.choice(["A", "R", "P", "A"])
            entry = {"doc_id": record["doc_id"], "hash": record["hash"], "action": action}
            if action in ("R", "P") and rng.random() < 0.5:
                entry["remarks"] = f"check {rng.randint(1, 99)}"
            invdata.setdefault(section, []).append(entry)
    if invdata:
        live_stack.post(f"/v1/ims/{recipient}/actions", {"rtin": recipient, "reqtyp": "SAVE", "invdata": invdata})


def _scenario(live_stack, seed: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Filings over two periods, random actions, the clock, a GSTR-3B and a recompute."""
    rng = random.Random(seed)
    universe = make_universe(seed, suppliers=6, recipients=4)
    mix = Mix(
        credit_notes=0.15,
        debit_notes=0.05,
        invoice_amendments=0.05,
        note_amendments=0.05,
        reverse_charge=0.05,
        pos_ineligible=0.05,
    )
    for supplier in universe.suppliers:
        _file(live_stack, gstr1_return(universe, rng, supplier, "102025", 60, mix=mix), "2025-11-11")
    live_stack.wait_projected()
    for recipient in universe.recipients:
        _random_actions(live_stack, rng, recipient)
    live_stack.post("/v1/clock", {"date": "2025-11-14"})
    live_stack.wait_projected()
    for recipient in universe.recipients:
        _random_actions(live_stack, rng, recipient)
        live_stack.post(f"/v1/gstr2b/{recipient}/102025/recompute", {})
    live_stack.post(f"/v1/ims/{universe.recipients[0]}/gstr3b/102025", {"filed_on": "2025-11-20"})
    for supplier in universe.suppliers[:3]:
        _file(live_stack, gstr1_return(universe, rng, supplier, "112025", 40, mix=mix), "2025-12-11")
    live_stack.post("/v1/clock", {"date": "2025-12-21"})
    live_stack.wait_projected()
    live_stack.wait_relayed()
    return list(universe.recipients)


def test_replay_gives_identical_state_from_kafka_and_from_the_durable_log(live_stack) -> None:  # type: ignore[no-untyped-def]
    recipients = _scenario(live_stack, seed=11)
    live = read_model_digests(live_stack.settings)
    document_rows, line_rows = live["ims_documents"][0], live["gstr2b_lines"][0]  # each table: [rows, digest]
    assert isinstance(document_rows, int) and isinstance(line_rows, int)
    assert document_rows > 300 and line_rows > 0

    container = build_container(live_stack.settings)
    try:
        for source in ("kafka", "archive"):
            schema = f"{live_stack.settings.db_schema}_{source}"
            engine = rebuild_only(container, ["ims"], schema, source)
            with engine.connect() as conn:
                rebuilt = {t: list(v) for t, v in digests(conn, IMS_TABLES).items()}
            engine.dispose()
            assert rebuilt == {t: live[t] for t in IMS_TABLES}, f"rebuilt from {source} differs"
    finally:
        container.close()

    answers: list[int] = []
    stop = threading.Event()

    def keep_asking() -> None:
        while not stop.is_set():
            answers.append(
                httpx.get(f"{live_stack.base_url}/v1/ims/{recipients[0]}/counts", headers=live_stack.auth()).status_code
            )

    asker = threading.Thread(target=keep_asking)
    asker.start()
    env = {**live_stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "services.cli.main", "replay", "--all"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop.set()
        asker.join()
    assert done.returncode == 0, done.stderr[-2000:]
    replayed = json.loads(done.stdout.strip().splitlines()[-1])["replayed"]["ims"]
    assert replayed > 0
    shown = done.stderr.replace("\r", "\n").splitlines()
    last = [line for line in shown if line.startswith("replay ims:")][-1]  # tqdm: done/total, rate, ETA
    assert "100%" in last and f"{replayed}/{replayed}" in last and "event/s" in last, done.stderr[-1000:]
    assert answers and set(answers) == {200}, "the API kept answering during the replay"
    assert read_model_digests(live_stack.settings) == live

    verify = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verify.returncode == 0
    lines = [line.split() for line in verify.stdout.splitlines() if not line.startswith("#")]
    printed = {name: [int(rows), digest] for name, rows, digest in lines}
    assert printed == live

    before = live_stack.http.get(f"/v1/ims/{recipients[1]}/counts").json()["all_oth"]["ttl_cnt"]
    universe = make_universe(11, suppliers=6, recipients=4)
    extra = gstr1_return(
        universe,
        random.Random(99),
        universe.suppliers[5],
        "122025",
        30,
        mix=Mix(credit_notes=0.0, debit_notes=0.0, invoice_amendments=0.0, note_amendments=0.0),
    )
    _file(live_stack, extra, "2026-01-11")
    live_stack.wait_projected()
    wait_until(
        lambda: live_stack.http.get(f"/v1/ims/{recipients[1]}/counts").json()["all_oth"]["ttl_cnt"] >= before,
        what="the live consumer keeps projecting onto the switched tables",
    )
    assert live_stack.scalar("SELECT count(*) FROM ims_documents WHERE return_period = '122025'") == 30
