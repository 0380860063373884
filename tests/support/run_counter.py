"""Runs the counter projection in its own process (so tests can SIGKILL it), configured by env vars."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

from services.common.db import make_engine
from services.common.log import configure_logging
from services.common.runner import ProjectionRunner, consumer_factory
from services.common.settings import Settings
from tests.support.counter import TOPIC, CounterProjection, codec


def main() -> None:
    settings = Settings.from_env()
    configure_logging("console", "info")
    assert settings.database_url and settings.kafka_bootstrap
    marker = os.environ.get("COUNTER_MARKER")
    projection = CounterProjection(
        settings.topic(TOPIC),
        delay_s=float(os.environ.get("COUNTER_DELAY_S", "0")),
        marker=Path(marker) if marker else None,
    )
    runner = ProjectionRunner(
        projection,
        make_engine(settings.database_url, settings.db_schema),
        codec(),
        consumer_factory(settings.kafka_bootstrap, settings.group("counter"), settings),
        batch_size=settings.batch_size,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runner.run(stop)


if __name__ == "__main__":
    main()
