"""Broker loss: the embedded broker restarts empty mid-scenario; `ims up` republishes the archive and
the final state equals an uninterrupted run, with nothing lost and nothing applied twice."""

from __future__ import annotations

import json
import re
import signal

import httpx
import psutil
import pytest

from services.bootstrap import build_container
from services.cli.replay import read_model_digests
from services.common.digest import digests
from services.common.embedded.ports import free_port
from services.common.settings import Settings
from tests.support.live import dumps
from tests.support.payloads import example
from tests.support.processes import wait_until
from tests.support.rebuild import rebuild_only
from tests.support.up import healthy, start_up, stop_and_check_nothing_left

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"
IMS_TABLES = (
    "ims_documents",
    "ims_counts",
    "ims_refusals",
    "ims_periods",
    "ims_clock",
    "gstr2b_versions",
    "gstr2b_lines",
)


class Client:
    def __init__(self, base: str, wait, token: str):  # type: ignore[no-untyped-def]
        self.base, self.wait = base, wait
        self.auth = {"Authorization": f"Bearer {token}"}

    def post(self, path: str, body: object) -> httpx.Response:
        answer = httpx.post(
            self.base + path,
            content=dumps(body),
            headers={"Content-Type": "application/json", **self.auth},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        self.wait()
        return answer

    def get(self, path: str, **params: str | int) -> httpx.Response:
        return httpx.get(self.base + path, params=params, headers=self.auth, timeout=60)

    def act(self, section: str, number: str, action: str, **extra: object) -> None:
        records = self.get(f"/v1/ims/{RECIPIENT}/documents", section=section).json()[section]
        record = next(r for r in records if (r.get("inum") or r.get("nt_num")) == number)
        self.post(
            f"/v1/ims/{RECIPIENT}/actions",
            {
                "rtin": RECIPIENT,
                "reqtyp": "SAVE",
                "invdata": {section: [{"doc_id": record["doc_id"], "hash": record["hash"], "action": action, **extra}]},
            },
        )


def phase_one(client: Client) -> None:
    client.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json"))
    client.act("b2b", "MH/25-26/0002", "R", remarks="rate differs")
    client.act("b2b", "MH/25-26/0001", "A")
    client.post("/v1/clock", {"date": "2025-11-14"})


def phase_two(client: Client) -> None:
    client.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-eco-9-5.json"))
    client.act("ecom", "ECO-77812", "A")
    client.act("b2bcn", "CN/25-26/011", "A", itcRedReq="Y", declIgst=450.0)
    client.post(f"/v1/gstr2b/{RECIPIENT}/102025/recompute", {})
    client.post(f"/v1/ims/{RECIPIENT}/gstr3b/102025", {"filed_on": "2025-11-20"})


def outcome(client: Client) -> dict[str, object]:
    """The business state: counts, every document's decision, and each GSTR-2B version's figures."""
    documents = client.get(f"/v1/ims/{RECIPIENT}/documents", limit=5000).json()
    decided = {
        r["doc_id"]: (r["action"], r["hash"], r.get("remarks"), r.get("declIgst"))
        for records in documents.values()
        for r in records
    }
    versions = {}
    for v in client.get(f"/v1/gstr2b/{RECIPIENT}/102025/versions").json()["versions"]:
        data = json.loads(client.get(f"/v1/gstr2b/{RECIPIENT}/102025", version=v["version"]).text)["data"]
        versions[v["version"]] = (data["itcsumm"], data["docdata"], data["docRejdata"])
    return {
        "counts": client.get(f"/v1/ims/{RECIPIENT}/counts").json(),
        "documents": decided,
        "gstr2b": versions,
        "outward": client.get("/v1/suppliers/27AAPFK4821M1ZT/outward").json(),
    }


def test_broker_restart_mid_scenario_ends_in_the_state_of_an_uninterrupted_run(live_stack, server_home) -> None:  # type: ignore[no-untyped-def]
    uninterrupted = Client(live_stack.base_url, live_stack.wait_projected, live_stack.admin_token)
    phase_one(uninterrupted)
    phase_two(uninterrupted)
    expected = outcome(uninterrupted)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    up = start_up(server_home, port)
    try:
        wait_until(lambda: healthy(base), timeout=120, what="ims up healthy")
        banner = (server_home / "up.out").read_text()
        database, kafka = re.search(r"PostgreSQL (\S+)", banner), re.search(r"Kafka +(\S+)", banner)
        assert database and kafka, banner
        settings = Settings(database_url=database.group(1), kafka_bootstrap=kafka.group(1))
        from tests.support.live import LiveStack

        probe = LiveStack.__new__(LiveStack)
        probe.settings, probe.engine = settings, build_container(settings).engine
        probe.scalar = LiveStack.scalar.__get__(probe)  # type: ignore[method-assign]

        def wait_all() -> None:
            LiveStack.wait_projected(probe)

        client = Client(base, wait_all, (server_home / "admin-token").read_text().strip())
        phase_one(client)
        broker = next(p for p in psutil.Process(up.pid).children(recursive=True) if "tansu" in p.name())
        broker.send_signal(signal.SIGKILL)
        wait_until(lambda: "republished" in (server_home / "up.out").read_text(), timeout=120, what="restore")
        wait_until(lambda: healthy(base), timeout=120, what="healthy after the broker restart")
        phase_two(client)
        assert outcome(client) == expected

        live = read_model_digests(settings)
        container = build_container(settings)
        engine = rebuild_only(container, ["ims"], "after_restore", "kafka")
        with engine.connect() as conn:
            rebuilt = {t: list(v) for t, v in digests(conn, IMS_TABLES).items()}
        engine.dispose()
        container.close()
        assert rebuilt == {t: live[t] for t in IMS_TABLES}, "the republished log rebuilds the same state"
        assert probe.scalar("SELECT max(epoch) FROM broker_epochs") == 1
        actions = probe.scalar("SELECT count(*) FROM ims_history WHERE what LIKE 'action_%'")
        assert actions == 4, "every action applied exactly once"
    finally:
        stop_and_check_nothing_left(up)
