"""Chaos under `ims up`: a steady load of filings, SAVE and bulk actions and clock ticks while every process
is killed in turn (kill -9: the API, the relay, the notifier, the scheduler, the IMS consumer, the broker,
PostgreSQL). At the end every answered document and action is in the read model exactly once, every
notification was logged and published once, and a replay rebuilds the same read models."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine

from services.common.db import sqlalchemy_url
from tests.support.chaos import Load, check, quiet
from tests.support.notifications import notifications_on_topic
from tests.support.processes import wait_until
from tests.support.up import KINDS, Up, stop_and_check_nothing_left

pytestmark = pytest.mark.e2e


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
        for kind in KINDS:
            time.sleep(2.0)
            assert load.failure is None, f"the load met an unexpected answer: {load.failure!r}"
            recovery[kind] = round(up.kill(kind).seconds, 2)
        time.sleep(2.0)
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
        stop_and_check_nothing_left(up.process)
