"""Audit: the event log cannot be rewritten, and past states can be shown as they stood."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InternalError, ProgrammingError

from tests.support.payloads import example

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"


@pytest.mark.parametrize("table", ["event_log", "event_placements"])
def test_the_database_refuses_update_delete_and_truncate_on_the_event_log(live_stack, table: str) -> None:  # type: ignore[no-untyped-def]
    live_stack.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json"))
    live_stack.wait_relayed()
    rows = live_stack.scalar(f"SELECT count(*) FROM {table}")
    assert rows > 0
    for statement in (f"UPDATE {table} SET topic = 'x'", f"DELETE FROM {table}", f"TRUNCATE {table}"):
        with (
            pytest.raises((InternalError, ProgrammingError), match="append-only"),
            live_stack.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    assert live_stack.scalar(f"SELECT count(*) FROM {table}") == rows
    assert live_stack.scalar(f"SELECT count(*) FROM {table} WHERE topic = 'x'") == 0


def test_counts_and_documents_as_of_an_instant_show_what_the_recipient_saw_then(live_stack) -> None:  # type: ignore[no-untyped-def]
    live_stack.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json"))
    live_stack.wait_projected()
    time.sleep(0.01)
    before_action = datetime.now(UTC).isoformat()
    listing = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2b"}).json()
    record = listing["b2b"][0]
    live_stack.post(
        f"/v1/ims/{RECIPIENT}/actions",
        {
            "rtin": RECIPIENT,
            "reqtyp": "SAVE",
            "invdata": {
                "b2b": [
                    {
                        "doc_id": record["doc_id"],
                        "hash": record["hash"],
                        "action": "R",
                        "remarks": "wrong rate",
                    }
                ]
            },
        },
    )
    live_stack.wait_projected()
    live_stack.wait_relayed()

    now = live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts").json()["all_oth"]["b2b"]
    then = live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts", params={"as_of": before_action}).json()
    assert now["reject"] == 1
    assert then["all_oth"]["b2b"]["reject"] == 0 and then["all_oth"]["b2b"]["noaction"] == now["noaction"] + 1
    old_docs = live_stack.http.get(
        f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2b", "as_of": before_action}
    ).json()["b2b"]
    assert {d["doc_id"]: d["action"] for d in old_docs}[record["doc_id"]] == "N"
    empty = live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts", params={"as_of": "2000-01-01T00:00:00Z"}).json()
    assert empty["all_oth"]["ttl_cnt"] == 0
    bad = live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts", params={"as_of": "yesterday"})
    assert bad.status_code == 400 and "as_of" in bad.json()["detail"]["error_msg"]


def test_history_lists_every_event_that_touched_a_document_in_order(live_stack) -> None:  # type: ignore[no-untyped-def]
    live_stack.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json"))
    live_stack.wait_projected()
    record = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2ba"}).json()["b2ba"][0]
    live_stack.post(
        f"/v1/ims/{RECIPIENT}/actions",
        {
            "rtin": RECIPIENT,
            "reqtyp": "SAVE",
            "invdata": {"b2ba": [{"doc_id": record["doc_id"], "hash": record["hash"], "action": "A"}]},
        },
        headers={"Authorization": f"Bearer {live_stack.token('recipient', RECIPIENT, subject='auditor-test')}"},
    )
    live_stack.wait_projected()
    events = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents/{record['doc_id']}/history").json()["events"]
    whats = [e["what"] for e in events]
    assert whats[0] == "filed" and whats[-1] == "action_A"
    assert events[-1]["actor"] == "auditor-test" and events[-1]["event_type"] == "ActionsTaken"
