"""`ims up`: the embedded stack (or external servers), migrations, topics, the API and every consumer.

Children run in their own sessions so Ctrl-C reaches only this supervisor, which then stops them in
order (consumers and API first, then the broker, then PostgreSQL) and leaves nothing running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import structlog
from sqlalchemy import text

from services.bootstrap import projection_factories
from services.common.db import make_engine
from services.common.embedded.broker import EmbeddedBroker
from services.common.embedded.postgres import EmbeddedPostgres
from services.common.migrations import upgrade
from services.common.settings import TOPICS, Settings
from services.common.topics import ensure_topics

log = structlog.get_logger()


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)


class Supervisor:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.children: list[Child] = []
        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        self.stop = threading.Event()

    def start_servers(self) -> Settings:
        settings = self.settings
        settings.home.mkdir(parents=True, exist_ok=True)
        database_url, bootstrap = settings.database_url, settings.kafka_bootstrap
        if not database_url:
            assert settings.pg_dir is not None
            self.postgres = EmbeddedPostgres(settings.pg_dir, settings.pg_port)
            database_url = self.postgres.start()
        if not bootstrap:
            self.broker = EmbeddedBroker(settings.kafka_port, log_path=settings.home / "broker.log")
            bootstrap = self.broker.start()
        self.settings = settings.with_servers(database_url, bootstrap)
        return self.settings

    def prepare(self) -> None:
        settings = self.settings
        assert settings.database_url and settings.kafka_bootstrap
        engine = make_engine(settings.database_url, settings.db_schema)
        upgrade(engine, settings.db_schema)
        engine.dispose()
        ensure_topics(settings.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        self.ensure_admin_token()
        self.report_log_findings()

    def ensure_admin_token(self) -> None:
        """First start: an admin token, written once to a file only this user can read."""
        from services.common import tokens

        path = self.settings.home / "admin-token"
        assert self.settings.database_url
        engine = make_engine(self.settings.database_url, self.settings.db_schema)
        try:
            if path.exists() and tokens.authenticate(engine, path.read_text().strip()) is not None:
                return
            _, token = tokens.create(engine, "admin", [], "admin (ims up)")
        finally:
            engine.dispose()
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(token + "\n")

    def report_log_findings(self) -> None:
        """What the upgrade to the durable log found in an older archive (migration 0018), said at every start."""
        assert self.settings.database_url
        engine = make_engine(self.settings.database_url, self.settings.db_schema)
        try:
            with engine.connect() as conn:
                findings = conn.execute(text("SELECT kind, message FROM event_log_findings ORDER BY found_on")).all()
        finally:
            engine.dispose()
        for kind, message in findings:
            print(f"Event log {kind}: {message}", flush=True)

    def restart_broker(self) -> None:
        """The embedded broker died (its log is gone): restart it on the same port. The relay finds it empty
        and tells it the durable log again under a new epoch; consumers hold back until their checkpoints
        moved into that epoch (services/archive/restore.py). Nothing else stops."""
        assert self.broker is not None
        log.error("broker_exited", code=self.broker.exit_code())
        self.broker.start()
        self.prepare()

    def start_children(self) -> None:
        self.children = [
            Child("api", ["api"]),
            Child("relay", ["relay"]),
            Child("notifier", ["notify"]),
            Child("scheduler", ["scheduler"]),
        ] + [Child(f"consumer:{name}", ["consume", name]) for name in projection_factories(self.settings)]
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        env = {**os.environ, **self.settings.to_env()}
        child.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", *child.argv],
            env=env,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        child.started_at = time.monotonic()

    def watch(self) -> None:
        """Restart a child that died on its own (with a pause), until asked to stop."""
        while not self.stop.wait(0.5):
            if self.broker is not None and not self.broker.is_running():
                self.restart_broker()
                continue
            for child in self.children:
                assert child.process is not None
                code = child.process.poll()
                if code is None:
                    continue
                log.error("child_exited", child=child.name, code=code, restarts=child.restarts)
                if time.monotonic() - child.started_at < 5:
                    time.sleep(2)
                child.restarts += 1
                self._spawn(child)

    def shutdown(self) -> None:
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()


def banner(settings: Settings, supervisor: Supervisor) -> str:
    host, port = settings.http_host, settings.http_port
    lines = [
        "",
        "IMS backend is up",
        f"  API        http://{host}:{port}   (OpenAPI: http://{host}:{port}/docs, health: /healthz)",
        f"  PostgreSQL {settings.database_url}" + ("  (embedded)" if supervisor.postgres else ""),
        f"  Kafka      {settings.kafka_bootstrap}"
        + ("  (embedded Tansu, memory storage)" if supervisor.broker else ""),
        f"  Consumers  {', '.join(projection_factories(settings))}",
        f"  Processes  {', '.join(child.name for child in supervisor.children)}",
        f"  Admin token in {settings.home / 'admin-token'} (readable only by you; `ims token create` for others)",
        "  Ctrl-C stops everything.",
        "",
    ]
    return "\n".join(lines)


def run_up(settings: Settings) -> int:
    supervisor = Supervisor(settings)

    def on_signal(signum: int, _frame: object) -> None:
        supervisor.stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        settings = supervisor.start_servers()
        supervisor.prepare()
        supervisor.start_children()
        print(banner(settings, supervisor), flush=True)
        supervisor.watch()
    finally:
        supervisor.shutdown()
        print("IMS backend stopped.", flush=True)
    return 0
