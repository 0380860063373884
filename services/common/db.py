"""PostgreSQL engines: one per process, built from settings, pinned to the configured schema."""

from __future__ import annotations

import re

from sqlalchemy import Engine, create_engine, text

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


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


def make_engine(url: str, schema: str = "public", pool_size: int = 5) -> Engine:
    """Every connection's search_path is the schema, so tests and tenants can share one server."""
    check_schema_name(schema)
    return create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        connect_args={"options": f"-csearch_path={schema}", "connect_timeout": 5},
    )


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
