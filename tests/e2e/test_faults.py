"""Faults against real processes: kills mid-batch, a crash between the broker's ack and the answer,
PostgreSQL restarting under running consumers. Nothing is lost and nothing is applied twice."""

from __future__ import annotations

import random
import signal
import subprocess
from dataclasses import replace

import httpx
import pytest

from services.bootstrap import build_container
from services.cli.replay import SYSTEM_OF_RECORD, read_model_digests
from services.common.digest import digests
from services.common.embedded.ports import free_port, wait_for_port
from services.common.embedded.postgres import EmbeddedPostgres
from services.demo.synthetic import Mix, dumps, gstr1_return, make_universe
from tests.support.live import LiveStack, spawn_cli
from tests.support.notifications import notifications_on_topic
from tests.support.payloads import example
from tests.support.processes import wait_until
from tests.support.rebuild import rebuild_only

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"


def _file(base_url: str, payload: dict, filed_on: str, key: str | None = None, token: str = "") -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"Bearer {token}",
        **({"Idempotency-Key": key} if key else {}),
    }
    return httpx.post(
        f"{base_url}/v1/returns/gstr1?filed_on={filed_on}",
        content=dumps(payload),
        headers=headers,
        timeout=120,
    )


def test_consumers_killed_mid_batch_resume_to_exactly_the_state_of_an_uninterrupted_run(live_stack) -> None:  # type: ignore[no-untyped-def]
    universe = make_universe(5, suppliers=20, recipients=3)
    rng = random.Random(5)
    mix = Mix(credit_notes=0.1, invoice_amendments=0.05)
    for supplier in universe.suppliers:
        assert (
            _file(
                live_stack.base_url,
                gstr1_return(universe, rng, supplier, "102025", 400, mix=mix),
                "2025-11-11",
                token=live_stack.admin_token,
            ).json()["err_cnt"]
            == 0
        )
    for _ in range(2):
        wait_until(lambda: live_stack.scalar("SELECT count(*) FROM ims_documents") > 500, what="projection started")
        for name in ("consumer:ims", "relay"):
            live_stack.processes[name].send_signal(signal.SIGKILL)
            live_stack.processes.pop(name).wait(10)
        live_stack.start_consumer("ims")
        live_stack.start_process("relay", "relay")
    live_stack.wait_projected(timeout=120)

    live = {t: v for t, v in read_model_digests(live_stack.settings).items() if t not in SYSTEM_OF_RECORD}
    container = build_container(live_stack.settings)
    try:
        engine = rebuild_only(container, ["ims"], f"{live_stack.settings.db_schema}_uninterrupted", "kafka")
        with engine.connect() as conn:
            uninterrupted = {t: list(v) for t, v in digests(conn, tuple(live)).items()}
        engine.dispose()
    finally:
        container.close()
    assert live["ims_documents"][0] == 8000
    assert uninterrupted == live


def test_api_killed_after_its_commit_then_retried_with_the_same_key_has_exactly_one_effect(
    live_stack, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    dying = replace(live_stack.settings, http_port=free_port())

    def dying_api() -> tuple[subprocess.Popen[bytes], str]:
        process = spawn_cli(dying, tmp_path / f"dying-{free_port()}.log", "api", IMS_FAILPOINTS="after_commit")
        wait_for_port("127.0.0.1", dying.http_port, 60, lambda: process.poll() is None)
        return process, f"http://127.0.0.1:{dying.http_port}"

    process, base = dying_api()
    with pytest.raises(httpx.HTTPError):
        _file(
            base,
            example("gstr1-supplier.json"),
            "2025-11-11",
            key="filing-key-1",
            token=live_stack.admin_token,
        )
    assert process.wait(10) == 137
    answer = _file(
        live_stack.base_url,
        example("gstr1-supplier.json"),
        "2025-11-11",
        key="filing-key-1",
        token=live_stack.admin_token,
    )
    assert answer.status_code == 200 and answer.json()["proc_cnt"] == 7
    again = _file(
        live_stack.base_url,
        example("gstr1-supplier.json"),
        "2025-11-11",
        key="filing-key-1",
        token=live_stack.admin_token,
    )
    assert again.json() == answer.json()
    live_stack.wait_projected()
    reference = answer.json()["reference_id"]
    assert live_stack.scalar("SELECT count(*) FROM raw_returns WHERE reference_id = :r", r=reference) == 1
    assert live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts").json()["all_oth"]["ttl_cnt"] == 5

    doc = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2b"}).json()["b2b"][0]
    body = {
        "rtin": RECIPIENT,
        "reqtyp": "SAVE",
        "invdata": {"b2b": [{"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "R", "remarks": "short supply"}]},
    }
    process, base = dying_api()
    with pytest.raises(httpx.HTTPError):
        httpx.post(
            f"{base}/v1/ims/{RECIPIENT}/actions",
            content=dumps(body),
            headers={"Idempotency-Key": "action-key-1", **live_stack.auth()},
            timeout=60,
        )
    process.wait(10)
    retried = live_stack.post(f"/v1/ims/{RECIPIENT}/actions", body, headers={"Idempotency-Key": "action-key-1"})
    assert retried.json()["status_cd"] == "P"
    live_stack.wait_projected()
    history = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents/{doc['doc_id']}/history").json()["events"]
    assert [e["what"] for e in history].count("action_R") == 1, "the retried action took effect once"
    assert (
        live_stack.scalar(
            "SELECT count(*) FROM notification_outbox WHERE record->'documents' @> CAST(:d AS jsonb)",
            d=f'[{{"doc_key": "{doc["doc_id"]}"}}]',
        )
        == 1
    )


def test_postgresql_restarted_under_running_consumers_they_reconnect_and_catch_up(kafka_bootstrap, server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    url = server.start()
    from tests.conftest import _settings_for

    stack = LiveStack(replace(_settings_for(url, kafka_bootstrap, server_home), session_timeout_ms=6000))
    stack.start()
    try:
        assert (
            _file(stack.base_url, example("gstr1-supplier.json"), "2025-11-11", token=stack.admin_token).status_code
            == 200
        )
        stack.wait_projected()
        server.stop()
        assert stack.http.get("/healthz").status_code == 503
        eco = example("gstr1-eco-9-5.json")
        from services.bootstrap import load_codec
        from services.common.envelope import Envelope
        from services.common.events import ClockAdvancedV1
        from tests.support.publisher import EventPublisher, Outgoing

        publisher = EventPublisher(load_codec(), kafka_bootstrap)
        topic = stack.settings.topic("ims.events.v1")
        publisher.publish(
            [
                Outgoing(
                    topic,
                    RECIPIENT,
                    Envelope.of(ClockAdvancedV1, actor="test"),
                    ClockAdvancedV1(RECIPIENT, "2025-11-14"),
                )
            ]
        )
        publisher.close()
        server.start()
        wait_until(lambda: stack.http.get("/healthz").status_code == 200, what="healthy again")
        stack.wait_projected(timeout=90)
        assert stack.scalar("SELECT today FROM ims_clock WHERE recipient = :r", r=RECIPIENT).isoformat() == "2025-11-14"
        assert stack.scalar("SELECT count(*) FROM gstr2b_versions WHERE recipient = :r", r=RECIPIENT) == 1
        assert _file(stack.base_url, eco, "2025-11-11", token=stack.admin_token).json()["status_cd"] == "P"
        stack.wait_projected()
        assert stack.http.get(f"/v1/ims/{RECIPIENT}/counts").json()["all_oth"]["ecom"]["noaction"] == 1
        for name in ("consumer:ims", "relay", "notifier", "api"):
            assert stack.processes[name].poll() is None, f"{name} survived the outage"
    finally:
        stack.stop()
        server.stop()


def test_each_applied_action_is_notified_exactly_once_through_projector_and_notifier_kills(live_stack) -> None:  # type: ignore[no-untyped-def]
    universe = make_universe(21, suppliers=8, recipients=2)
    rng = random.Random(21)
    for supplier in universe.suppliers:
        _file(
            live_stack.base_url,
            gstr1_return(universe, rng, supplier, "102025", 50),
            "2025-11-11",
            token=live_stack.admin_token,
        )
    live_stack.wait_projected()
    for round_ in range(3):
        for recipient in universe.recipients:
            action = "ARA"[round_]
            answer = live_stack.post(f"/v1/ims/{recipient}/actions/bulk", {"action": action, "filter": {}})
            assert answer.status_code == 200
        for name in ("consumer:ims", "notifier"):
            live_stack.processes[name].send_signal(signal.SIGKILL)
            live_stack.processes.pop(name).wait(10)
        live_stack.start_consumer("ims")
        live_stack.start_process("notifier", "notify")
    live_stack.wait_projected()
    live_stack.wait_relayed()

    suppliers = list(universe.suppliers)
    applied = live_stack.scalar("SELECT count(*) FROM notification_outbox WHERE supplier = ANY(:s)", s=suppliers)
    assert applied == 3 * 2 * 8, "one notification per (applied action event, supplier)"
    seen = [(cause, supplier) for cause, supplier in notifications_on_topic(live_stack) if supplier in suppliers]
    assert len(set(seen)) == applied, "every applied action reached its suppliers"
    assert len(seen) == applied, "and none twice"


def test_a_notifier_killed_after_the_broker_ack_does_not_send_twice(live_stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    live_stack.stop_process("notifier")
    live_stack.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json"))
    live_stack.wait_projected()
    doc = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2ba"}).json()["b2ba"][0]
    live_stack.post(
        f"/v1/ims/{RECIPIENT}/actions",
        {
            "rtin": RECIPIENT,
            "reqtyp": "SAVE",
            "invdata": {"b2ba": [{"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "A"}]},
        },
    )
    live_stack.wait_projected()
    cause = live_stack.scalar("SELECT cause_event_id FROM notification_outbox WHERE NOT sent ORDER BY seq DESC LIMIT 1")
    dying = spawn_cli(
        live_stack.settings, tmp_path / "dying-notifier.log", "notify", IMS_FAILPOINTS="notifier_after_publish"
    )
    assert dying.wait(60) == 137
    assert live_stack.scalar("SELECT sent FROM notification_outbox WHERE cause_event_id = :c", c=cause) is False
    live_stack.start_process("notifier", "notify")
    wait_until(
        lambda: live_stack.scalar("SELECT sent FROM notification_outbox WHERE cause_event_id = :c", c=cause),
        what="the outbox row marked sent",
    )
    assert [c for c, _ in notifications_on_topic(live_stack)].count(cause) == 1
