"""The as-of gate admits a fixed number of views at once and tells the next one when to come back."""

from __future__ import annotations

import pytest

from services.actions.views.asof import Busy, Gate, parse_instant
from services.common.settings import ENV_VARS, Settings


def test_the_gate_refuses_a_view_beyond_the_limit_without_waiting_and_admits_it_once_one_ended() -> None:
    gate = Gate(2)
    with gate.enter(), gate.enter():
        with pytest.raises(Busy) as refused, gate.enter():
            pass
        assert refused.value.retry_after >= 1 and "2 as-of view(s) already running" in str(refused.value)
    with gate.enter():
        pass


def test_retry_after_is_the_median_duration_of_recent_views_rounded_up() -> None:
    gate = Gate(1)
    assert gate.retry_after() == 1
    gate._recent.extend([0.2, 2.5, 3.1])
    assert gate.retry_after() == 3


def test_a_limit_below_one_still_admits_one_view() -> None:
    gate = Gate(0)
    with gate.enter(), pytest.raises(Busy), gate.enter():
        pass


def test_instants_are_normalised_to_utc_text_and_need_a_zone() -> None:
    assert parse_instant("2025-11-20T10:00:00+05:30") == "2025-11-20T04:30:00.000000+00:00"
    assert parse_instant("2025-11-20T04:30:00Z") == "2025-11-20T04:30:00.000000+00:00"
    with pytest.raises(ValueError, match="time zone"):
        parse_instant("2025-11-20T10:00:00")


def test_the_as_of_settings_survive_the_trip_to_a_child_process() -> None:
    settings = Settings.from_env(
        {"IMS_ASOF_CONCURRENCY": "3", "IMS_SNAPSHOT_BUDGET_MS": "250", "IMS_SNAPSHOT_KEEP": "4"}
    )
    again = Settings.from_env(settings.to_env())
    assert (again.asof_concurrency, again.snapshot_budget_ms, again.snapshot_keep) == (3, 250, 4)
    assert Settings.from_env({}).asof_concurrency == 2
    for name in (
        "IMS_ASOF_CONCURRENCY",
        "IMS_SNAPSHOT_BUDGET_MS",
        "IMS_SNAPSHOT_FROM_BYTES",
        "IMS_SNAPSHOT_KEEP",
        "IMS_SNAPSHOT_INTERVAL_S",
    ):
        assert name in ENV_VARS and name in settings.to_env()
