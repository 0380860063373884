"""Settings read from the environment and handed to child processes unchanged."""

from __future__ import annotations

from services.common.settings import ENV_VARS, Settings


def test_the_fetch_wait_defaults_short_and_survives_the_trip_to_a_child_process() -> None:
    assert Settings.from_env({}).fetch_max_wait_ms == 100
    settings = Settings.from_env({"IMS_FETCH_MAX_WAIT_MS": "40"})
    assert settings.fetch_max_wait_ms == 40
    assert Settings.from_env(settings.to_env()).fetch_max_wait_ms == 40
    assert "IMS_FETCH_MAX_WAIT_MS" in ENV_VARS
