"""PostgreSQL engines: one per process, built from settings, pinned to the configured schema."""

from __future__ import annotations

import re

from sqlalchemy import Engine, create_engine

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# libpq: first probe after 30 s idle, then every 10 s, the connection is dead after 3 unanswered
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}


def sqlalchemy_url(url: str) -> str:
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url[len("postgresql://") :]
    return url


def check_schema_name(schema: str) -> str:
    if not _SCHEMA.match(schema):
        raise ValueError(f"IMS_DB_SCHEMA: {schema!r} is not a plain lower-case identifier")
    return schema


def make_engine(
    url: str,
    schema: str = "public",
    pool_size: int = 5,
    *,
    connect_timeout_s: int = 5,
    pool_timeout_s: float = 30.0,
    statement_timeout_ms: int = 0,
    lock_timeout_ms: int = 0,
) -> Engine:
    """Every connection's search_path is the schema, so tests and tenants can share one server.

    Waiting on an unreachable server is bounded: a connection attempt by `connect_timeout_s`, a checkout
    from a full pool by `pool_timeout_s`, and TCP keepalives notice a peer that vanished (a crashed host,
    a cut network). A stopped server process is noticed by no socket setting (its kernel still answers);
    the API bounds that with its probe (services/api/availability.py). Statement and lock timeouts (ms, 0:
    none) are for callers whose every statement is short."""
    check_schema_name(schema)
    options = f"-csearch_path={schema}"
    if statement_timeout_ms:
        options += f" -cstatement_timeout={int(statement_timeout_ms)}"
    if lock_timeout_ms:
        options += f" -clock_timeout={int(lock_timeout_ms)}"
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=pool_timeout_s,
        connect_args={"options": options, "connect_timeout": connect_timeout_s, **KEEPALIVES},
    )
