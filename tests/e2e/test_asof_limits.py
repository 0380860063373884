"""As-of views under pressure: beyond the limit they are refused with 429 and Retry-After, and an API killed
(SIGKILL) in the middle of one leaves no scratch state behind, neither a schema nor rows in a snapshot.

A view is held under way by the `asof_view` failpoint (services/common/failpoints.py: it stalls the view
for 5 s after it applied its events, inside its transaction), not by making it slow with data."""

from __future__ import annotations

import json
import os
import signal
import threading
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from services.actions.views import asof, snapshot_step, snapshots
from services.bootstrap import build_container
from services.common.embedded.ports import wait_for_port
from services.demo.synthetic import large_return
from tests.support.ims_helpers import gstin
from tests.support.live import spawn_cli
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e
DOCUMENTS = 2_000
STALLED = {"IMS_FAILPOINTS": "asof_view"}


def _file(live, supplier: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """A return of DOCUMENTS invoices to one recipient (the same one each time); its recipient."""
    body = "".join(large_return(71, "102025", DOCUMENTS, recipients=1))
    if supplier:  # the same invoices from another supplier: new documents of the same recipient
        body = body.replace(json.loads(body)["gstin"], supplier, 1)
    answer = live.http.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-05",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=300,
    )
    assert answer.status_code == 200 and answer.json()["proc_cnt"] == DOCUMENTS, answer.text
    live.wait_projected(timeout=300)
    return str(json.loads(body)["b2b"][0]["ctin"])


@pytest.fixture(scope="module")
def recipient(live_stack) -> str:  # type: ignore[no-untyped-def]
    return _file(live_stack)


def _restart_api(live, **env: str) -> None:  # type: ignore[no-untyped-def]
    process = live.processes.pop("api")
    if process.poll() is None:
        live.processes["api"] = process
        live.stop_process("api")
    log = live.settings.home / "api.log"
    live.processes["api"] = spawn_cli(live.settings, log, "api", **env)
    wait_for_port("127.0.0.1", live.settings.http_port, 60, lambda: live.processes["api"].poll() is None)


def _view_session(live) -> int | None:  # type: ignore[no-untyped-def]
    """The backend of a running as-of view of this stack, once its transaction holds tables."""
    return live.scalar(  # type: ignore[no-any-return]
        "SELECT a.pid FROM pg_stat_activity a WHERE a.application_name = :n AND a.xact_start IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'relation') LIMIT 1",
        n=asof.session_name(live.settings.db_schema),
    )


def _in_background(live, recipient: str) -> tuple[threading.Thread, list[Any]]:  # type: ignore[no-untyped-def]
    answers: list[Any] = []

    def call() -> None:
        try:
            answers.append(live.http.get(f"/v1/ims/{recipient}/counts", params={"as_of": _now()}, timeout=300))
        except httpx.HTTPError as exc:
            answers.append(exc)

    thread = threading.Thread(target=call)
    thread.start()
    return thread, answers


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _schemas(live) -> set[str]:  # type: ignore[no-untyped-def]
    with live.engine.connect() as conn:
        found = conn.execute(
            text("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, :p)"),
            {"p": snapshots.prefix(live.settings.db_schema)},
        )
        return {name for (name,) in found}


def test_as_of_views_beyond_the_limit_are_refused_with_429_and_a_retry_after(live_stack, recipient: str) -> None:  # type: ignore[no-untyped-def]
    _restart_api(live_stack, IMS_ASOF_CONCURRENCY="1", **STALLED)
    slow, answers = _in_background(live_stack, recipient)
    wait_until(lambda: _view_session(live_stack), timeout=60, interval=0.02, what="the first view running")
    refused = live_stack.http.get(f"/v1/ims/{recipient}/counts", params={"as_of": _now()})
    slow.join()
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    detail = refused.json()["detail"]
    assert detail["error_cd"] == "TOO_MANY_AS_OF" and "retry after" in detail["error_msg"]
    assert answers[0].status_code == 200
    assert answers[0].json()["all_oth"]["ttl_cnt"] == DOCUMENTS
    again = live_stack.http.get(f"/v1/ims/{recipient}/counts", params={"as_of": _now()})
    assert again.status_code == 200 and again.json() == answers[0].json()


def _kill_api_mid_view(live, recipient: str) -> None:  # type: ignore[no-untyped-def]
    call, answers = _in_background(live, recipient)
    backend = wait_until(lambda: _view_session(live), timeout=60, interval=0.02, what="a view running")
    os.kill(live.processes["api"].pid, signal.SIGKILL)
    call.join()
    assert isinstance(answers[0], httpx.HTTPError), "the view ended before the kill: make it longer"
    wait_until(
        lambda: not live.scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = :p", p=backend),
        timeout=30,
        what="PostgreSQL ending the killed view's session",
    )


def test_an_api_killed_mid_view_leaves_no_scratch_schema_behind(live_stack, recipient: str) -> None:  # type: ignore[no-untyped-def]
    _restart_api(live_stack, **STALLED)
    before = _schemas(live_stack)
    _kill_api_mid_view(live_stack, recipient)  # a view from the first event: its schema is a clone made in it
    assert _schemas(live_stack) == before
    _restart_api(live_stack)
    answer = live_stack.http.get(f"/v1/ims/{recipient}/counts", params={"as_of": _now()})
    assert answer.json() == live_stack.http.get(f"/v1/ims/{recipient}/counts").json()
    assert _schemas(live_stack) == before


def test_an_api_killed_mid_view_leaves_a_snapshot_as_it_was(live_stack, recipient: str) -> None:  # type: ignore[no-untyped-def]
    container = build_container(replace(live_stack.settings, snapshot_budget_ms=1, snapshot_from_bytes=0))
    try:
        (snapshot,) = snapshot_step.run_pass(container, [recipient])
    finally:
        container.close()
    assert _file(live_stack, gstin("27", "K")) == recipient  # the tail the view applies on the snapshot
    held = _digest(live_stack, snapshot.schema)
    _restart_api(live_stack, **STALLED)
    _kill_api_mid_view(live_stack, recipient)
    assert _digest(live_stack, snapshot.schema) == held
    _restart_api(live_stack)
    answer = live_stack.http.get(f"/v1/ims/{recipient}/counts", params={"as_of": _now()}).json()
    assert answer["all_oth"]["ttl_cnt"] == 2 * DOCUMENTS


def _digest(live, schema: str) -> tuple[Any, ...]:  # type: ignore[no-untyped-def]
    """How many documents, which actions, and the counts the snapshot holds."""
    with live.engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    f"SELECT count(*), md5(string_agg(doc_key || action, ',' ORDER BY doc_key)), "
                    f"(SELECT string_agg(section || action || n, ',' ORDER BY 1) FROM \"{schema}\".ims_counts) "
                    f'FROM "{schema}".ims_documents'
                )
            ).one()
        )
