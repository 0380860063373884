"""A bulk action's chunks are logged with its answer, all or none: one killed before its commit changed
nothing, and retried with its Idempotency-Key it takes effect exactly once on every selected document."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from services.actions.commands.handlers import ACTION_CHUNK
from services.common.embedded.ports import free_port, wait_for_port
from services.demo.synthetic import write_large_return
from tests.support.live import spawn_cli

pytestmark = pytest.mark.e2e
DOCUMENTS = ACTION_CHUNK + 1500  # two chunks


def test_a_bulk_accept_killed_before_its_commit_changes_nothing_and_retried_with_its_key_accepts_each_once(
    live_stack, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bulk.json"
    summary = write_large_return(path, 31, "102025", DOCUMENTS, recipients=1)
    (recipient,) = summary["recipients"]
    filed = live_stack.http.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-11",
        content=path.read_bytes(),
        headers={"Content-Type": "application/json"},
    )
    assert filed.status_code == 200 and filed.json()["proc_cnt"] == DOCUMENTS, filed.text[:300]
    live_stack.wait_projected()

    dying = replace(live_stack.settings, http_port=free_port())
    process = spawn_cli(dying, tmp_path / "dying.log", "api", IMS_FAILPOINTS="before_commit")
    wait_for_port("127.0.0.1", dying.http_port, 60, lambda: process.poll() is None)
    body = {"action": "A", "filter": {"status": "N"}}  # what it selects shrinks as chunks are applied
    headers = {"Idempotency-Key": "bulk-key-1", "Content-Type": "application/json", **live_stack.auth()}
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"http://127.0.0.1:{dying.http_port}/v1/ims/{recipient}/actions/bulk", json=body,
                   headers=headers, timeout=120)  # fmt: skip
    assert process.wait(10) == 137

    def counts() -> dict[str, int]:
        query = "SELECT coalesce(sum(n), 0) FROM ims_counts WHERE recipient = :r AND action = :a"
        return {
            name: int(live_stack.scalar(query, r=recipient, a=code))
            for name, code in (("noaction", "N"), ("accept", "A"))
        }

    live_stack.wait_projected()
    assert counts() == {"noaction": DOCUMENTS, "accept": 0}, "no chunk of the killed request was logged"
    retried = live_stack.post(f"/v1/ims/{recipient}/actions/bulk", body, headers={"Idempotency-Key": "bulk-key-1"})
    assert retried.status_code == 200 and retried.json()["proc_cnt"] == str(DOCUMENTS), retried.text[:300]
    live_stack.wait_projected()
    assert counts() == {"noaction": 0, "accept": DOCUMENTS}
    actions = live_stack.scalar(
        "SELECT count(*) FROM ims_history WHERE recipient = :r AND what = 'action_A'", r=recipient
    )
    assert actions == DOCUMENTS, "every document accepted once, none twice, none skipped"
    again = live_stack.post(f"/v1/ims/{recipient}/actions/bulk", body, headers={"Idempotency-Key": "bulk-key-1"})
    assert again.json() == retried.json()
