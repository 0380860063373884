"""Chaos under `ims up`: a steady load of filings, SAVE and bulk actions and clock ticks while every process
is killed in turn (kill -9: the API, the relay, the notifier, the scheduler, the IMS consumer, the broker,
PostgreSQL). At the end every answered document and action is in the read model exactly once, every
notification was logged and published once, and a replay rebuilds the same read models."""

from __future__ import annotations

import signal
import threading
import time

import psutil
import pytest
from sqlalchemy import create_engine

from services.common.db import sqlalchemy_url
from tests.e2e.test_ims_up import _healthy, _stop_and_check_nothing_left
from tests.support.chaos import Load, check, quiet
from tests.support.notifications import notifications_on_topic
from tests.support.processes import wait_until
from tests.support.up import Up

pytestmark = pytest.mark.e2e
PROCESSES = {
    "api": "services.cli.main api",
    "relay": "services.cli.main relay",
    "notifier": "services.cli.main notify",
    "scheduler": "services.cli.main scheduler",
    "consumer": "services.cli.main consume ims",
}


def _victim(up: Up, kind: str) -> psutil.Process | None:
    tree = psutil.Process(up.process.pid).children(recursive=True)
    if kind == "broker":
        return next((p for p in tree if "tansu" in p.name()), None)
    if kind == "postgres":  # the postmaster: the postgres process whose parent is `ims up`
        return next((p for p in psutil.Process(up.process.pid).children() if p.name() == "postgres"), None)
    return next((p for p in tree if PROCESSES[kind] in " ".join(p.cmdline())), None)


def _running(up: Up, kind: str) -> bool:
    victim = _victim(up, kind)
    return victim is not None and victim.is_running() and victim.status() != psutil.STATUS_ZOMBIE


def test_every_process_killed_in_turn_under_load_loses_and_doubles_nothing(server_home) -> None:  # type: ignore[no-untyped-def]
    up = Up(server_home)
    engine = create_engine(sqlalchemy_url(up.env["DATABASE_URL"]), pool_pre_ping=True)
    load = Load(up.base, up.token, seed=17)
    stop = threading.Event()
    worker = threading.Thread(target=load.run, args=(stop,), daemon=True)
    recovery: dict[str, float] = {}
    try:
        worker.start()
        wait_until(lambda: load.ledger.documents > 0, timeout=60, what="load running")
        for kind in ("api", "relay", "consumer", "notifier", "scheduler", "broker", "postgres"):
            time.sleep(1.0)  # the load runs on in its thread; a second of it before each kill
            assert load.failure is None, f"the load met an unexpected answer: {load.failure!r}"
            victim = _victim(up, kind)
            assert victim is not None, f"no {kind} process under ims up"
            killed = time.monotonic()
            victim.send_signal(signal.SIGKILL)
            victim.wait(30)
            wait_until(lambda: _healthy(up.base), timeout=120, what=f"healthy after killing {kind}")
            wait_until(lambda k=kind: _running(up, k), timeout=120, what=f"{kind} running again")
            recovery[kind] = round(time.monotonic() - killed, 2)
        time.sleep(1.0)
        stop.set()
        worker.join(120)
        assert not worker.is_alive(), "the load finished its last request"
        assert load.failure is None, f"the load met an unexpected answer: {load.failure!r}"
        wait_until(lambda: quiet(engine), timeout=180, what="everything relayed and applied")

        figures = check(engine, load.ledger)
        assert figures["documents"] > 0 and figures["action_rows"] > 0
        on_topic = notifications_on_topic(up)
        assert len(on_topic) == len(set(on_topic)) == figures["notifications"], "each notification once"
        print(f"chaos: recovery seconds {recovery}; {figures}; retries {dict(load.ledger.retries)}")

        before = up.cli("verify")
        up.cli("replay", "--all")
        assert up.cli("verify") == before
    finally:
        stop.set()
        engine.dispose()
        _stop_and_check_nothing_left(up.process)
