"""Alembic environment: migrations run inside the configured schema (tests give each test its own)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from services.common.db import check_schema_name, make_engine

config = context.config
schema = check_schema_name(config.attributes.get("schema", "public"))
connection = config.attributes.get("connection")


def run(conn) -> None:  # type: ignore[no-untyped-def]
    conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
    conn.execute(text(f"SET search_path TO {schema}"))
    conn.commit()
    context.configure(connection=conn, version_table_schema=schema, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "", schema)
    with engine.connect() as conn:
        run(conn)
