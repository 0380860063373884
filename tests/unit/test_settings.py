"""Settings read from the environment and handed to child processes unchanged."""

from __future__ import annotations

from services.common.settings import ENV_VARS, Settings


def test_the_fetch_wait_defaults_short_and_survives_the_trip_to_a_child_process() -> None:
    assert Settings.from_env({}).fetch_max_wait_ms == 100
    settings = Settings.from_env({"IMS_FETCH_MAX_WAIT_MS": "40"})
    assert settings.fetch_max_wait_ms == 40
    assert Settings.from_env(settings.to_env()).fetch_max_wait_ms == 40
    assert "IMS_FETCH_MAX_WAIT_MS" in ENV_VARS


def test_database_waits_default_bounded_and_statements_unbounded_and_reach_child_processes() -> None:
    defaults = Settings.from_env({})
    assert (defaults.db_connect_timeout_s, defaults.db_pool_timeout_s, defaults.db_probe_timeout_ms) == (5, 30, 1500)
    assert (defaults.api_statement_timeout_ms, defaults.api_lock_timeout_ms) == (0, 0)
    names = {
        "IMS_DB_CONNECT_TIMEOUT_S": "2",
        "IMS_DB_POOL_TIMEOUT_S": "3",
        "IMS_DB_PROBE_TIMEOUT_MS": "700",
        "IMS_API_STATEMENT_TIMEOUT_MS": "60000",
        "IMS_API_LOCK_TIMEOUT_MS": "5000",
    }
    child = Settings.from_env(Settings.from_env(names).to_env())
    assert (child.db_connect_timeout_s, child.db_pool_timeout_s, child.db_probe_timeout_ms) == (2, 3, 700)
    assert (child.api_statement_timeout_ms, child.api_lock_timeout_ms) == (60000, 5000)
    assert set(names) <= set(ENV_VARS)
