"""Settings read once from the environment; every engine and client is built from these in an entrypoint."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

EVENTS_TOPIC = "ims.events.v1"
NOTIFICATIONS_TOPIC = "ims.supplier-notifications.v1"
REGISTRY_TOPIC = "ims.registry.v1"  # facts about taxpayers at large, of no one recipient (services/registry)
DEADLINES_TOPIC = "ims.deadlines.v1"  # deadlines approaching, per recipient (docs/rules.md §4.6)
TOPICS = (EVENTS_TOPIC, NOTIFICATIONS_TOPIC, REGISTRY_TOPIC, DEADLINES_TOPIC)
# topics others publish to and we only read (an ERP's purchase register: services/recon/door.py); never the
# relay's, whose log is ours alone
PURCHASES_TOPIC = "ims.purchases.v1"
INBOUND_TOPICS = (PURCHASES_TOPIC,)

# Every environment variable the code reads; docker-compose.yml is checked against this list.
ENV_VARS = (
    "DATABASE_URL",
    "KAFKA_BOOTSTRAP_SERVERS",
    "IMS_HOME",
    "IMS_PG_DIR",
    "IMS_PG_PORT",
    "IMS_KAFKA_PORT",
    "IMS_TOPIC_NAMESPACE",
    "IMS_DB_SCHEMA",
    "IMS_PARTITIONS",
    "IMS_HTTP_HOST",
    "IMS_HTTP_PORT",
    "IMS_LOG_FORMAT",
    "IMS_LOG_LEVEL",
    "IMS_BATCH_SIZE",
    "IMS_SESSION_TIMEOUT_MS",
    "IMS_MAX_POLL_INTERVAL_MS",
    "IMS_HEARTBEAT_INTERVAL_MS",
    "IMS_FETCH_MAX_WAIT_MS",
    "IMS_SKIP_UNKNOWN_EVENTS",
    "IMS_MAX_BODY_BYTES",
    "IMS_CHUNK_DOCUMENTS",
    "IMS_INGEST_WORKERS",
    "IMS_PARALLEL_FROM_BYTES",
    "IMS_NATIVE_ROWS",
    "IMS_NATIVE_DECODE",
    "IMS_NATIVE_COPY",
    "IMS_FAILPOINTS",
    "IMS_DB_CONNECT_TIMEOUT_S",
    "IMS_DB_POOL_TIMEOUT_S",
    "IMS_DB_PROBE_TIMEOUT_MS",
    "IMS_API_STATEMENT_TIMEOUT_MS",
    "IMS_API_LOCK_TIMEOUT_MS",
    "IMS_ASOF_CONCURRENCY",
    "IMS_SNAPSHOT_BUDGET_MS",
    "IMS_SNAPSHOT_FROM_BYTES",
    "IMS_SNAPSHOT_KEEP",
    "IMS_SNAPSHOT_INTERVAL_S",
    "IMS_GSTR2B_PIECE_DOCUMENTS",
)


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name}: expected an integer, got {raw!r}") from None


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    home: Path = field(default_factory=lambda: PROJECT_ROOT / ".ims")
    pg_dir: Path | None = None
    pg_port: int = 0
    kafka_port: int = 0
    topic_namespace: str = ""
    db_schema: str = "public"
    partitions: int = 4
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_format: str = "console"
    log_level: str = "info"
    batch_size: int = 2000
    session_timeout_ms: int = 6000
    max_poll_interval_ms: int = 60000
    heartbeat_interval_ms: int = 1000
    # how long the broker may hold a fetch that finds nothing; measured on Tansu, a waiting fetch is answered
    # when this runs out rather than when a transaction commits, so it bounds the delay before a projector
    # sees a committed bulk action (kafka-python's default is 500 ms)
    fetch_max_wait_ms: int = 100
    skip_unknown_events: bool = False
    max_body_bytes: int = 512 * 1024 * 1024
    chunk_documents: int = 1000
    ingest_workers: int = 2  # processes checking the rows of a large return; 0 or 1: in the ingest process
    parallel_from_bytes: int = 2 * 1024 * 1024  # returns at least this large use the worker processes
    native_rows: bool = True  # the C fast path for plain valid rows, when built (False: every row in Python)
    # PostgreSQL away or frozen: how long a process waits for a new connection, for a pooled one (the API),
    # and how long the API's probe before each /v1 request and /healthz waits for `SELECT 1`
    db_connect_timeout_s: int = 5
    db_pool_timeout_s: int = 30  # a million-document filing holds its connection for a while
    db_probe_timeout_ms: int = 1500
    # server-side limits on the API's own statements; 0 (the default) means none, because filing a
    # 1,000,000-document return or a bulk action on 100,000 documents is one long statement
    api_statement_timeout_ms: int = 0
    api_lock_timeout_ms: int = 0
    asof_concurrency: int = 2  # as-of views at once per API process; more are answered 429
    # most projection work an as-of view may redo after its snapshot (services/actions/views/snapshot_step.py)
    snapshot_budget_ms: int = 500
    snapshot_from_bytes: int = 4 * 1024 * 1024  # recipients whose events weigh less get no snapshots
    snapshot_keep: int = 8  # newest snapshots kept per recipient, besides the last one of each month
    snapshot_interval_s: int = 60  # how often `ims scheduler` runs the snapshot step
    gstr2b_piece_documents: int = 10_000  # documents in one of GSTN's file pieces of a GSTR-2B (`file_num`)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        home = Path(env.get("IMS_HOME") or PROJECT_ROOT / ".ims")
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            kafka_bootstrap=env.get("KAFKA_BOOTSTRAP_SERVERS") or None,
            home=home,
            pg_dir=Path(env["IMS_PG_DIR"]) if env.get("IMS_PG_DIR") else home / "pg",
            pg_port=_int(env, "IMS_PG_PORT", 0),
            kafka_port=_int(env, "IMS_KAFKA_PORT", 0),
            topic_namespace=env.get("IMS_TOPIC_NAMESPACE", ""),
            db_schema=env.get("IMS_DB_SCHEMA") or "public",
            partitions=_int(env, "IMS_PARTITIONS", 4),
            http_host=env.get("IMS_HTTP_HOST") or "127.0.0.1",
            http_port=_int(env, "IMS_HTTP_PORT", 8000),
            log_format=env.get("IMS_LOG_FORMAT") or "console",
            log_level=env.get("IMS_LOG_LEVEL") or "info",
            batch_size=_int(env, "IMS_BATCH_SIZE", 2000),
            session_timeout_ms=_int(env, "IMS_SESSION_TIMEOUT_MS", 6000),
            max_poll_interval_ms=_int(env, "IMS_MAX_POLL_INTERVAL_MS", 60000),
            heartbeat_interval_ms=_int(env, "IMS_HEARTBEAT_INTERVAL_MS", 1000),
            fetch_max_wait_ms=_int(env, "IMS_FETCH_MAX_WAIT_MS", 100),
            skip_unknown_events=env.get("IMS_SKIP_UNKNOWN_EVENTS", "") in ("1", "true", "yes"),
            max_body_bytes=_int(env, "IMS_MAX_BODY_BYTES", 512 * 1024 * 1024),
            chunk_documents=_int(env, "IMS_CHUNK_DOCUMENTS", 1000),
            ingest_workers=_int(env, "IMS_INGEST_WORKERS", min(os.cpu_count() or 1, 8)),
            parallel_from_bytes=_int(env, "IMS_PARALLEL_FROM_BYTES", 2 * 1024 * 1024),
            native_rows=env.get("IMS_NATIVE_ROWS", "1") != "0",
            db_connect_timeout_s=_int(env, "IMS_DB_CONNECT_TIMEOUT_S", 5),
            db_pool_timeout_s=_int(env, "IMS_DB_POOL_TIMEOUT_S", 30),
            db_probe_timeout_ms=_int(env, "IMS_DB_PROBE_TIMEOUT_MS", 1500),
            api_statement_timeout_ms=_int(env, "IMS_API_STATEMENT_TIMEOUT_MS", 0),
            api_lock_timeout_ms=_int(env, "IMS_API_LOCK_TIMEOUT_MS", 0),
            asof_concurrency=_int(env, "IMS_ASOF_CONCURRENCY", 2),
            snapshot_budget_ms=_int(env, "IMS_SNAPSHOT_BUDGET_MS", 500),
            snapshot_from_bytes=_int(env, "IMS_SNAPSHOT_FROM_BYTES", 4 * 1024 * 1024),
            snapshot_keep=_int(env, "IMS_SNAPSHOT_KEEP", 8),
            snapshot_interval_s=_int(env, "IMS_SNAPSHOT_INTERVAL_S", 60),
            gstr2b_piece_documents=max(1, _int(env, "IMS_GSTR2B_PIECE_DOCUMENTS", 10_000)),
        )

    def topic(self, logical: str) -> str:
        """Physical topic name: a namespace prefix lets tests and tenants share one broker."""
        return f"{self.topic_namespace}{logical}"

    def group(self, projection: str) -> str:
        return f"{self.topic_namespace}ims.{projection}"

    def with_servers(self, database_url: str | None, kafka_bootstrap: str | None) -> Settings:
        return replace(self, database_url=database_url, kafka_bootstrap=kafka_bootstrap)

    def to_env(self) -> dict[str, str]:
        """The environment a child process needs to see the same servers and namespace."""
        env = {
            "IMS_HOME": str(self.home),
            "IMS_TOPIC_NAMESPACE": self.topic_namespace,
            "IMS_DB_SCHEMA": self.db_schema,
            "IMS_PARTITIONS": str(self.partitions),
            "IMS_HTTP_HOST": self.http_host,
            "IMS_HTTP_PORT": str(self.http_port),
            "IMS_LOG_FORMAT": self.log_format,
            "IMS_LOG_LEVEL": self.log_level,
            "IMS_BATCH_SIZE": str(self.batch_size),
            "IMS_SESSION_TIMEOUT_MS": str(self.session_timeout_ms),
            "IMS_MAX_POLL_INTERVAL_MS": str(self.max_poll_interval_ms),
            "IMS_HEARTBEAT_INTERVAL_MS": str(self.heartbeat_interval_ms),
            "IMS_FETCH_MAX_WAIT_MS": str(self.fetch_max_wait_ms),
            "IMS_MAX_BODY_BYTES": str(self.max_body_bytes),
            "IMS_CHUNK_DOCUMENTS": str(self.chunk_documents),
            "IMS_INGEST_WORKERS": str(self.ingest_workers),
            "IMS_PARALLEL_FROM_BYTES": str(self.parallel_from_bytes),
            "IMS_NATIVE_ROWS": "1" if self.native_rows else "0",
            "IMS_DB_CONNECT_TIMEOUT_S": str(self.db_connect_timeout_s),
            "IMS_DB_POOL_TIMEOUT_S": str(self.db_pool_timeout_s),
            "IMS_DB_PROBE_TIMEOUT_MS": str(self.db_probe_timeout_ms),
            "IMS_API_STATEMENT_TIMEOUT_MS": str(self.api_statement_timeout_ms),
            "IMS_API_LOCK_TIMEOUT_MS": str(self.api_lock_timeout_ms),
            "IMS_ASOF_CONCURRENCY": str(self.asof_concurrency),
            "IMS_SNAPSHOT_BUDGET_MS": str(self.snapshot_budget_ms),
            "IMS_SNAPSHOT_FROM_BYTES": str(self.snapshot_from_bytes),
            "IMS_SNAPSHOT_KEEP": str(self.snapshot_keep),
            "IMS_SNAPSHOT_INTERVAL_S": str(self.snapshot_interval_s),
            "IMS_GSTR2B_PIECE_DOCUMENTS": str(self.gstr2b_piece_documents),
        }
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.kafka_bootstrap:
            env["KAFKA_BOOTSTRAP_SERVERS"] = self.kafka_bootstrap
        return env
