"""As-of views from snapshots plus the tail of the log answer exactly what a rebuild from the first event
answers, and what the recipient saw live at that instant, before, at and after every snapshot position."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from services.actions.views import asof, queries, snapshot_step
from services.bootstrap import Container, build_container
from services.common.settings import PROJECT_ROOT
from tests.support.ims_helpers import act, counts, documents, file_return, gstin, gstr1, invoice, note, record_of

pytestmark = pytest.mark.e2e
RECIPIENT = gstin("29", "S")
SUPPLIER_A, SUPPLIER_B = gstin("27", "A"), gstin("24", "B")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _shift(instant: str, microseconds: int) -> str:
    moment = datetime.fromisoformat(instant) + timedelta(microseconds=microseconds)
    return moment.isoformat(timespec="microseconds")


def _seen(live) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """What the recipient sees live: counts overall and for one period, and every document."""
    return {
        "counts": counts(live, RECIPIENT),
        "october": counts(live, RECIPIENT, rtnprd="102025"),
        "documents": sorted((d["doc_id"], d["action"], d["hash"]) for d in documents(live, RECIPIENT, limit=5000)),
    }


def _view(container: Container, instant: str, from_snapshots: bool) -> tuple[dict[str, Any], list[Any], str]:
    """(the same as `_seen`, every document as the read model holds it, the schema the view started from)."""
    with asof.as_of(container, RECIPIENT, instant, from_snapshots=from_snapshots) as conn:
        docs = queries.page(conn, queries.Selection(RECIPIENT), 5000, None)
        seen = {
            "counts": queries.counts(conn, RECIPIENT),
            "october": queries.counts(conn, RECIPIENT, "102025"),
            "documents": sorted((d.doc_key, d.action, d.version_hash) for d in docs),
        }
        return seen, docs, str(conn.execute(text("SELECT current_schema()")).scalar())


def _history(live) -> list[tuple[str, dict[str, Any]]]:  # type: ignore[no-untyped-def]
    """Filings, single and bulk actions, clock events, GSTR-2B generation, a recompute and a GSTR-3B
    filing; after each step the instant and what the recipient saw."""
    steps: list[tuple[str, dict[str, Any]]] = []

    def step() -> None:
        live.wait_projected()
        steps.append((_now(), _seen(live)))

    invoices = [invoice(f"A/{n:04d}", "15-10-2025", f"{1000 + n}.00") for n in range(40)]
    notes = [note(f"CN/{n:03d}", "20-10-2025", f"{100 + n}.00") for n in range(5)]
    file_return(live, gstr1(SUPPLIER_A, "102025", RECIPIENT, b2b=invoices, cdnr=notes), "2025-11-05")
    step()
    listed = {d["inum"]: d for d in documents(live, RECIPIENT, section="b2b", limit=5000)}
    rejected = [("b2b", record_of(listed[n], "R", remarks="checked")) for n in ("A/0001", "A/0002", "A/0003")]
    act(live, RECIPIENT, [*rejected, *(("b2b", record_of(listed[n], "A")) for n in ("A/0004", "A/0005"))])
    act(live, RECIPIENT, [("b2b", record_of(listed[n], "P")) for n in ("A/0006", "A/0007")])
    step()
    more = [invoice(f"B/{n:04d}", "25-10-2025", f"{500 + n}.00") for n in range(30)]
    file_return(live, gstr1(SUPPLIER_B, "102025", RECIPIENT, b2b=more), "2025-11-10")
    step()
    bulk = live.post(f"/v1/ims/{RECIPIENT}/actions/bulk", {"action": "A", "filter": {"stin": SUPPLIER_B}})
    assert bulk.status_code == 200, bulk.text
    step()
    for day in ("2025-11-13", "2025-11-14"):  # the 14th is the cut-off: GSTR-2B 102025 is generated
        assert live.post("/v1/clock", {"date": day}).status_code == 200
        step()
    listed = {d["inum"]: d for d in documents(live, RECIPIENT, section="b2b", limit=5000)}
    act(live, RECIPIENT, [("b2b", record_of(listed["A/0004"], "R"))])
    step()
    assert live.post(f"/v1/gstr2b/{RECIPIENT}/102025/recompute", {}).status_code == 200
    step()
    assert live.post(f"/v1/ims/{RECIPIENT}/gstr3b/102025", {"filed_on": "2025-11-20"}).status_code == 200
    step()
    later = [invoice(f"A/{n:04d}", "10-11-2025", f"{2000 + n}.00") for n in range(100, 120)]
    file_return(live, gstr1(SUPPLIER_A, "112025", RECIPIENT, b2b=later), "2025-12-05")
    step()
    assert live.post("/v1/clock", {"date": "2025-12-14"}).status_code == 200
    step()
    return steps


def test_views_from_snapshots_equal_a_rebuild_from_the_first_event_and_what_was_seen_live(live_stack) -> None:  # type: ignore[no-untyped-def]
    before_anything = _now()
    steps = _history(live_stack)
    live_stack.wait_relayed()
    # every request its own snapshot: a budget of 0 ms cuts after each one, whatever it cost
    settings = replace(live_stack.settings, snapshot_budget_ms=0, snapshot_from_bytes=0)
    container = build_container(settings)
    try:
        built = snapshot_step.run_pass(container)
        assert len(built) >= 10 and all(s.recipient == RECIPIENT for s in built)
        instants = [before_anything, *(at for at, _ in steps)]
        for snapshot in built:
            moment = snapshot.max_occurred_at
            instants += [_shift(moment, -1), moment, _shift(moment, 1)]
        started_from_snapshot = 0
        for instant in sorted(set(instants)):
            from_snapshot, docs, schema = _view(container, instant, from_snapshots=True)
            rebuilt, rebuilt_docs, _ = _view(container, instant, from_snapshots=False)
            assert from_snapshot == rebuilt, instant
            assert docs == rebuilt_docs, instant  # every column of every document
            started_from_snapshot += schema in {s.schema for s in built}
        assert started_from_snapshot >= len(instants) - 2  # all but the instants before the first snapshot
        for at, seen in steps:
            assert _view(container, at, from_snapshots=True)[0] == seen, at
    finally:
        container.close()


def test_the_snapshot_step_cuts_only_where_the_work_since_the_last_cut_reached_the_budget(live_stack) -> None:  # type: ignore[no-untyped-def]
    container = build_container(replace(live_stack.settings, snapshot_budget_ms=60_000, snapshot_from_bytes=0))
    try:
        snapshot_step.drop_all(container)
        assert snapshot_step.run_pass(container) == []  # a minute of work never piles up here: no snapshot
        with live_stack.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ims_snapshots")).scalar() == 0
        heavy = replace(container, settings=replace(container.settings, snapshot_budget_ms=1))
        assert snapshot_step.run_pass(heavy) == []  # the pass moved past these events: nothing new since
        assert len(snapshot_step.run_pass(heavy, [RECIPIENT])) >= 10  # named: looked at again, cut at each request
    finally:
        container.close()


def test_an_as_of_view_over_http_answers_from_a_snapshot_with_its_tail_rolled_back(live_stack) -> None:  # type: ignore[no-untyped-def]
    container = build_container(replace(live_stack.settings, snapshot_budget_ms=1, snapshot_from_bytes=0))
    try:
        snapshot_step.run_pass(container)
        with live_stack.engine.connect() as conn:
            schema = conn.execute(
                text("SELECT schema_name FROM ims_snapshots WHERE recipient = :r ORDER BY events DESC LIMIT 1"),
                {"r": RECIPIENT},
            ).scalar_one()
        held = _digest(live_stack, schema)
        pending = [d for d in documents(live_stack, RECIPIENT, section="b2b", limit=5000) if d["action"] == "N"]
        act(live_stack, RECIPIENT, [("b2b", record_of(d, "R")) for d in pending[:3]])  # the tail
        now = counts(live_stack, RECIPIENT)
        assert live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts", params={"as_of": _now()}).json() == now
        answer = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"as_of": _now(), "limit": 5})
        assert sum(len(v) for v in answer.json().values()) == 5 and answer.headers["X-Next-Cursor"]
        assert _digest(live_stack, schema) == held
    finally:
        container.close()


def _digest(live, schema: str) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    with live.engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    f"SELECT (SELECT string_agg(concat_ws(',', return_period, section, action, n), ';' "
                    f'ORDER BY return_period, section, action) FROM "{schema}".ims_counts), '
                    f"(SELECT string_agg(doc_key || action, ',' ORDER BY doc_key) FROM \"{schema}\".ims_documents)"
                )
            ).one()
        )


def _ims(live, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *argv],
        env={**os.environ, **live.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PROJECT_ROOT,
    )


def test_ims_snapshot_takes_the_snapshots_due_and_drops_them_all_on_request(live_stack) -> None:  # type: ignore[no-untyped-def]
    dropped = _ims(live_stack, "snapshot", "--drop")
    assert dropped.returncode == 0 and dropped.stdout.startswith("dropped "), dropped.stderr[-2000:]
    taken = _ims(live_stack, "snapshot", IMS_SNAPSHOT_BUDGET_MS="1", IMS_SNAPSHOT_FROM_BYTES="0")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert f"{RECIPIENT}: snapshot after" in taken.stdout and "snapshot(s) taken" in taken.stdout
    assert live_stack.scalar("SELECT count(*) FROM ims_snapshots") > 0
    assert _ims(live_stack, "snapshot", "--drop").returncode == 0
    assert live_stack.scalar("SELECT count(*) FROM ims_snapshots") == 0
