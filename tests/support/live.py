"""A running API and consumers as real processes, and an HTTP client for tests that walk the system."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from services.bootstrap import projection_factories
from services.common import tokens
from services.common.db import make_engine
from services.common.embedded.ports import free_port, wait_for_port
from services.common.migrations import upgrade
from services.common.settings import INBOUND_TOPICS, PROJECT_ROOT, TOPICS, Settings
from services.common.topics import ensure_topics
from tests.support.processes import stop, stop_all, wait_until

UNRELAYED = """
SELECT (SELECT count(*) FROM event_relay_queue) + (
    SELECT count(*) FROM event_placements p
    LEFT JOIN relay_acks a USING (epoch, topic, partition)
    WHERE p.epoch = (SELECT max(epoch) FROM broker_epochs) AND p."offset" >= coalesce(a.next_offset, 0))
"""


class LiveStack:
    def __init__(self, settings: Settings):
        self.settings = replace(settings, http_port=free_port())
        assert self.settings.database_url
        self.engine = make_engine(self.settings.database_url, self.settings.db_schema)
        self.processes: dict[str, Any] = {}
        self.base_url = f"http://127.0.0.1:{self.settings.http_port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=120)
        self.admin_token = ""

    def start(self) -> None:
        upgrade(self.engine, self.settings.db_schema)
        _, self.admin_token = tokens.create(self.engine, "admin", [], "test-admin")
        self.http.headers["Authorization"] = f"Bearer {self.admin_token}"
        assert self.settings.kafka_bootstrap
        topics = [self.settings.topic(t) for t in (*TOPICS, *INBOUND_TOPICS)]
        ensure_topics(self.settings.kafka_bootstrap, topics, self.settings.partitions)
        self.start_process("api", "api")
        self.start_process("relay", "relay")
        self.start_process("notifier", "notify")
        for name in projection_factories(self.settings):
            self.start_consumer(name)
        wait_for_port("127.0.0.1", self.settings.http_port, 60, lambda: self.processes["api"].poll() is None)

    def start_process(self, name: str, *argv: str) -> None:
        log = self.settings.home / f"{name.replace(':', '-')}.log"
        self.processes[name] = spawn_cli(self.settings, log, *argv)

    def start_consumer(self, name: str) -> None:
        self.start_process(f"consumer:{name}", "consume", name)

    def stop_process(self, name: str) -> int:
        return stop(self.processes.pop(name))

    def stop(self) -> None:
        stop_all(list(self.processes.values()))
        self.processes.clear()
        self.http.close()
        self.engine.dispose()

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def wait_relayed(self, timeout: float = 60) -> None:
        """Wait until every logged event (notifications included) reached the broker."""
        wait_until(
            lambda: (
                not self.scalar(
                    "SELECT (SELECT count(*) FROM notification_outbox WHERE NOT sent) "
                    "+ (SELECT count(*) FROM deadline_outbox WHERE NOT sent)"
                )
            ),
            timeout=timeout,
            what="notifications logged",
        )
        wait_until(
            lambda: not self.scalar(UNRELAYED),
            timeout=timeout,
            what="event log relayed",
        )

    def wait_projected(self, consumer: str = "ims", timeout: float = 60) -> None:
        """Wait until the log is relayed and the consumer's checkpoints reach the end of every partition."""
        from kafka import TopicPartition

        from services.common.topics import end_offsets

        self.wait_relayed(timeout)
        topics = projection_factories(self.settings)[consumer]().topics
        parts = [TopicPartition(t, p) for t in topics for p in range(self.settings.partitions)]
        assert self.settings.kafka_bootstrap
        ends = {(tp.topic, tp.partition): o for tp, o in end_offsets(self.settings.kafka_bootstrap, parts).items()}

        def caught_up() -> bool:
            with self.engine.connect() as conn:
                stored = dict(
                    ((t, p), o)
                    for t, p, o in conn.execute(
                        text("SELECT topic, partition, next_offset FROM projection_checkpoints WHERE projection = :p"),
                        {"p": consumer},
                    )
                )
            return all(stored.get(k, 0) >= end for k, end in ends.items())

        wait_until(caught_up, timeout=timeout, what=f"{consumer} caught up")

    def post(self, path: str, body: Any, **kwargs: Any) -> httpx.Response:
        return self.http.post(
            path,
            content=dumps(body),
            headers={"Content-Type": "application/json", **kwargs.pop("headers", {})},
            **kwargs,
        )

    def token(self, role: str, *gstins: str, subject: str = "test") -> str:
        return tokens.create(self.engine, role, list(gstins), subject)[1]

    def auth(self) -> dict[str, str]:
        """Headers for a raw httpx call as the stack's admin."""
        return {"Authorization": f"Bearer {self.admin_token}"}


def spawn_cli(settings: Settings, log: Path, *argv: str, **extra_env: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT), **extra_env}
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", *argv],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def dumps(body: Any) -> str:
    """Test payloads may hold Decimals; they are written as bare JSON numbers exactly as given."""
    marker = "\x00"
    encoded = json.dumps(body, default=lambda v: f"{marker}{v}{marker}" if isinstance(v, Decimal) else str(v))
    return encoded.replace('"\\u0000', "").replace('\\u0000"', "")
