"""Where integration tests find their servers: an env var, else testcontainers, else the embedded ones.

Never a skip: when no Docker engine answers (our machines), the embedded PostgreSQL and Tansu broker
start in a temporary directory for the session.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from services.common.embedded.broker import EmbeddedBroker
from services.common.embedded.postgres import EmbeddedPostgres


def _docker_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def postgres_url() -> Iterator[str]:
    url = os.environ.get("IMS_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if _docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:18") as container:
            yield container.get_connection_url()
        return
    with tempfile.TemporaryDirectory(prefix="ims-test-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", fsync=False)
        server.start()
        try:
            yield server.url
        finally:
            server.stop()


@contextlib.contextmanager
def kafka_bootstrap() -> Iterator[str]:
    bootstrap = os.environ.get("IMS_TEST_KAFKA_BOOTSTRAP_SERVERS")
    if bootstrap:
        yield bootstrap
        return
    if _docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    broker = EmbeddedBroker()
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()
