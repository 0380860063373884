"""`ims scheduler` (run by `ims up`): time enters the system as ClockAdvanced events, for every recipient the
read model knows, dated by the day in India."""

from __future__ import annotations

import signal

import pytest
from sqlalchemy import text

from services.common.gst.periods import gst_today
from tests.support.ingest_helpers import read_log
from tests.support.live import spawn_cli
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e
RECIPIENTS = ("29AABCM7710Q1ZX", "24AANFA2641L1ZF")


def test_the_scheduler_appends_todays_clock_event_for_every_recipient_and_stops_on_sigterm(stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO ims_clock (recipient, today) SELECT unnest(CAST(:r AS text[])), DATE '2025-11-01'"),
            {"r": list(RECIPIENTS)},
        )
    before = gst_today().isoformat()
    scheduler = spawn_cli(settings, tmp_path / "scheduler.log", "scheduler")
    try:
        ticks = wait_until(
            lambda: [e for e in read_log(engine) if e.envelope.event_type == "ClockAdvanced"] or None,
            timeout=60,
            what="ClockAdvanced events",
        )
    finally:
        scheduler.send_signal(signal.SIGTERM)
        code = scheduler.wait(30)
    days = {before, gst_today().isoformat()}  # the same day, unless the test ran across midnight in India
    assert sorted((e.key, e.envelope.actor) for e in ticks) == [(r, "scheduler") for r in sorted(RECIPIENTS)]
    assert len({e.record["date"] for e in ticks}) == 1 and ticks[0].record["date"] in days, ticks
    assert code == 0, (tmp_path / "scheduler.log").read_text()[-2000:]
