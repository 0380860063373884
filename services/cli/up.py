"""`ims up`: the embedded stack (or external servers), migrations, topics, the API and every consumer.

Children run in their own sessions so Ctrl-C reaches only this supervisor, which then stops them in
order (consumers and API first, then the broker, then PostgreSQL) and leaves nothing running.

Until then it keeps everything running: the embedded PostgreSQL, the embedded broker and each child are
restarted when they exit, after a pause that doubles from 0.5 s to 30 s while they keep failing and is
forgotten once one stays up a minute (restarts.py); each exit is logged with its code or signal, the
restarts so far and the pause. PostgreSQL restarts on its data directory and port, so nothing it
accepted is lost and the children keep their URL: consumers, notifier and scheduler wait for it, the
API answers 503 meanwhile (services/api/availability.py), and children that gave up are started at once
when it is back. A broker restart stops nothing else: the relay gives the new broker the durable log
(services/archive/relay.py) and the consumers hold back until their checkpoints follow.
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
from services.cli import stackfile
from services.cli.restarts import RestartPolicy, describe_exit
from services.common.db import make_engine
from services.common.embedded.broker import EmbeddedBroker
from services.common.embedded.postgres import EmbeddedPostgres
from services.common.migrations import upgrade
from services.common.settings import INBOUND_TOPICS, TOPICS, Settings
from services.common.topics import ensure_topics

log = structlog.get_logger()
TICK_S = 0.25
POSTGRES_RECOVERY_S = 600.0  # a restart after a crash replays the WAL written since the last checkpoint


@dataclass
class Restarts:
    """Restart bookkeeping of one supervised process: how often, up since when, next start when."""

    policy: RestartPolicy = field(default_factory=RestartPolicy)
    count: int = 0
    started_at: float = 0.0
    due: float | None = None  # a restart is scheduled at this monotonic time

    def schedule(self, name: str, why: str, now: float, uptime: float) -> None:
        delay = self.policy.next_delay(uptime)
        self.due = now + delay
        log.error("process_exited", process=name, reason=why, restarts=self.count, next_start_in_s=delay)

    def started(self, now: float) -> None:
        self.started_at, self.due = now, None


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    restarts: Restarts = field(default_factory=Restarts)


class Supervisor:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.children: list[Child] = []
        self.postgres: EmbeddedPostgres | None = None
        self.broker: EmbeddedBroker | None = None
        self.postgres_restarts = Restarts()
        self.broker_restarts = Restarts()
        self.stop = threading.Event()

    def start_servers(self) -> Settings:
        settings = self.settings
        settings.home.mkdir(parents=True, exist_ok=True)
        database_url, bootstrap = settings.database_url, settings.kafka_bootstrap
        if not database_url:
            assert settings.pg_dir is not None
            self.postgres = EmbeddedPostgres(settings.pg_dir, settings.pg_port)
            database_url = self.postgres.start()
            self.postgres_restarts.started(time.monotonic())
        if not bootstrap:
            self.broker = EmbeddedBroker(settings.kafka_port, log_path=settings.home / "broker.log")
            bootstrap = self.broker.start()
            self.broker_restarts.started(time.monotonic())
        self.settings = settings.with_servers(database_url, bootstrap)
        return self.settings

    def prepare(self) -> None:
        settings = self.settings
        assert settings.database_url and settings.kafka_bootstrap
        engine = make_engine(settings.database_url, settings.db_schema)
        upgrade(engine, settings.db_schema)
        engine.dispose()
        topics = [settings.topic(t) for t in (*TOPICS, *INBOUND_TOPICS)]
        ensure_topics(settings.kafka_bootstrap, topics, settings.partitions)
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

    def signin_link(self) -> str:
        """A one-time link that signs the browser in as the admin token (services/web/sessions.py)."""
        from services.common import tokens
        from services.web import sessions

        assert self.settings.database_url
        token = (self.settings.home / "admin-token").read_text().strip()
        engine = make_engine(self.settings.database_url, self.settings.db_schema)
        try:
            return sessions.signin_link(engine, tokens.token_id_of(token), web_base(self.settings))
        finally:
            engine.dispose()

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
        moved into that epoch (services/archive/restore.py). No other process stops."""
        assert self.broker is not None
        if not self.broker.is_running():
            self.broker.start()
        self.prepare()

    def start_children(self) -> None:
        self.children = [
            Child("api", ["api"]),
            Child("relay", ["relay"]),
            Child("notifier", ["notify"]),
            Child("scheduler", ["scheduler"]),
            Child("door:purchases", ["door", "purchases"]),
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
        child.restarts.started(time.monotonic())

    def watch(self) -> None:
        """Restart whatever exits on its own (with backoff), until asked to stop."""
        while not self.stop.wait(TICK_S):
            self.tend()

    def tend(self) -> None:
        self._tend_postgres()
        self._tend_broker()
        for child in self.children:
            self._tend_child(child)

    def _tend_postgres(self) -> None:
        postgres, restarts, now = self.postgres, self.postgres_restarts, time.monotonic()
        if postgres is None or (restarts.due is None and postgres.is_running()):  # polling reaps a dead one
            return
        if restarts.due is None:
            restarts.schedule("postgres", describe_exit(postgres.exit_code()), now, now - restarts.started_at)
            return
        if now < restarts.due:
            return
        try:
            postgres.start(timeout=POSTGRES_RECOVERY_S, cancel=self.stop)
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            if not self.stop.is_set():
                restarts.schedule("postgres", f"restart failed: {_first_line(exc)}", now, 0.0)
            return
        restarts.count += 1
        restarts.started(time.monotonic())
        log.info("process_restarted", process="postgres", restarts=restarts.count)
        for child in self.children:  # what gave up while the database was away may start at once
            if child.restarts.due is not None:
                child.restarts.due = now
                child.restarts.policy.forget()

    def _tend_broker(self) -> None:
        broker, restarts, now = self.broker, self.broker_restarts, time.monotonic()
        if broker is None or (restarts.due is None and broker.is_running()):
            return
        if restarts.due is None:
            restarts.schedule("broker", describe_exit(broker.exit_code()), now, now - restarts.started_at)
            return
        if now < restarts.due:
            return
        try:
            self.restart_broker()
        except Exception as exc:  # the restore needs PostgreSQL too: try again later
            restarts.schedule("broker", f"restart failed: {_first_line(exc)}", now, 0.0)
            return
        restarts.count += 1
        restarts.started(time.monotonic())
        log.info("process_restarted", process="broker", restarts=restarts.count)

    def _tend_child(self, child: Child) -> None:
        restarts, now = child.restarts, time.monotonic()
        if restarts.due is not None:
            if now >= restarts.due:
                try:
                    self._spawn(child)
                except OSError as exc:  # e.g. out of processes or file descriptors: try again later
                    restarts.schedule(child.name, f"restart failed: {_first_line(exc)}", now, 0.0)
                    return
                restarts.count += 1
                log.info("process_restarted", process=child.name, restarts=restarts.count)
            return
        code = None if child.process is None else child.process.poll()
        if code is not None:
            restarts.schedule(child.name, describe_exit(code), now, now - restarts.started_at)

    def _stop_children(self) -> None:
        for child in self.children:
            child.restarts.due = None
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
            child.process = None

    def shutdown(self) -> None:
        self._stop_children()
        if self.broker is not None:
            self.broker.stop()
        if self.postgres is not None:
            self.postgres.stop()


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def web_base(settings: Settings) -> str:
    """Where a browser on this machine reaches the server (a wildcard bind is reached on loopback)."""
    host = "127.0.0.1" if settings.http_host in ("0.0.0.0", "::", "") else settings.http_host
    return f"http://{host}:{settings.http_port}"


def banner(settings: Settings, supervisor: Supervisor, signin: str = "") -> str:
    host, port = settings.http_host, settings.http_port
    lines = [
        "",
        "IMS backend is up",
        f"  API        http://{host}:{port}   (OpenAPI: http://{host}:{port}/docs, health: /healthz)",
        f"  PostgreSQL {settings.database_url}"
        + (f"  (embedded; password also in {supervisor.postgres.password_file})" if supervisor.postgres else ""),
        f"  Kafka      {settings.kafka_bootstrap}"
        + ("  (embedded Tansu, memory storage)" if supervisor.broker else ""),
        f"  Consumers  {', '.join(projection_factories(settings))}",
        f"  Processes  {', '.join(child.name for child in supervisor.children)}",
        f"  Admin token in {settings.home / 'admin-token'} (readable only by you; `ims token create` for others)",
        f"  Dashboard  {web_base(settings)}/",
        f"  Sign in    {signin}",
        "             (one-time admin sign-in link, valid 15 minutes; `ims token link` prints a new one)",
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
        stackfile.write(settings)
        print(banner(settings, supervisor, supervisor.signin_link()), flush=True)
        supervisor.watch()
    finally:
        stackfile.remove(settings.home)
        supervisor.shutdown()
        print("IMS backend stopped.", flush=True)
    return 0
