"""`ims up` from nothing: embedded servers, migrations, topics, API and consumers; Ctrl-C leaves nothing."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import replace

import httpx
import psutil
import pytest

from services.common.embedded.ports import free_port, wait_for_port
from services.common.settings import PROJECT_ROOT
from tests.support.live import dumps, spawn_cli
from tests.support.payloads import example
from tests.support.processes import wait_until
from tests.support.up import healthy, start_up, stop_and_check_nothing_left

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"


def test_ims_up_serves_healthz_keeps_postgres_state_across_restarts_and_stops_everything(server_home) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    up = start_up(server_home, port)
    try:
        wait_until(lambda: healthy(base), timeout=120, what="/healthz = 200")
        banner = (server_home / "up.out").read_text()
        assert "IMS backend is up" in banner and f"http://127.0.0.1:{port}" in banner
        token_file = server_home / "admin-token"
        assert oct(token_file.stat().st_mode & 0o777) == "0o600" and str(token_file) in banner
        password_file = server_home / "pg-password"
        assert oct(password_file.stat().st_mode & 0o777) == "0o600" and str(password_file) in banner
        assert f"postgres:{password_file.read_text().strip()}@127.0.0.1:" in banner, "children and CLI can connect"
        [link] = re.findall(rf"Sign in    (http://127\.0\.0\.1:{port}/web/signin/\S+)", banner)
        assert "Sign in as admin (ims up)" in httpx.get(link).text, "the banner's one-time link signs in the admin"
        auth = {"Authorization": f"Bearer {token_file.read_text().strip()}"}
        assert httpx.get(f"{base}/v1/ims/{RECIPIENT}/counts").status_code == 401
        answer = httpx.post(
            f"{base}/v1/returns/gstr1?filed_on=2025-11-11",
            content=dumps(example("gstr1-supplier.json")),
            headers={"Content-Type": "application/json", **auth},
            timeout=60,
        )
        assert answer.json()["status_cd"] == "P"
        wait_until(
            lambda: httpx.get(f"{base}/v1/ims/{RECIPIENT}/counts", headers=auth).json()["all_oth"]["ttl_cnt"] == 5,
            timeout=60,
            what="documents projected",
        )
    finally:
        stop_and_check_nothing_left(up)
    assert (server_home / "pg" / "PG_VERSION").exists()

    again = start_up(server_home, port)
    try:
        wait_until(lambda: healthy(base), timeout=120, what="/healthz = 200 after restart")
        counts = httpx.get(f"{base}/v1/ims/{RECIPIENT}/counts", headers=auth).json()
        assert counts["all_oth"]["ttl_cnt"] == 5, "the read model lives in PostgreSQL and survives a restart"
    finally:
        stop_and_check_nothing_left(again)


def test_healthz_answers_503_naming_the_broker_when_it_is_unreachable(stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings, _ = stack
    dead = replace(settings, kafka_bootstrap=f"127.0.0.1:{free_port()}", http_port=free_port())
    api = spawn_cli(dead, tmp_path / "api.log", "api")
    try:
        wait_for_port("127.0.0.1", dead.http_port, 60, lambda: api.poll() is None)
        answer = httpx.get(f"http://127.0.0.1:{dead.http_port}/healthz")
        assert answer.status_code == 503
        assert answer.json() == {"status": "degraded", "database": "ok", "broker": "unreachable"}
    finally:
        api.terminate()
        api.wait(20)


def test_ims_up_uses_external_servers_named_by_the_environment_and_starts_no_embedded_ones(
    isolated_settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        **replace(isolated_settings, http_port=port, home=tmp_path).to_env(),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    assert env["DATABASE_URL"] and env["KAFKA_BOOTSTRAP_SERVERS"]
    log = open(tmp_path / "up.out", "ab")  # noqa: SIM115
    up = subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "up"], env=env, cwd=PROJECT_ROOT, stdout=log, stderr=log
    )
    try:
        wait_until(lambda: healthy(base), timeout=120, what="/healthz = 200 on external servers")
        names = {p.name() for p in psutil.Process(up.pid).children(recursive=True)}
        assert not any("postgres" in n or "tansu" in n for n in names), names
        banner = (tmp_path / "up.out").read_text()
        assert "(embedded" not in banner and isolated_settings.kafka_bootstrap in banner
    finally:
        up.send_signal(signal.SIGINT)
        assert up.wait(60) == 0
