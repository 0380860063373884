"""Schema migrations with Alembic, run programmatically by `ims up`, `ims migrate` and the test fixtures."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

from services.common.settings import PROJECT_ROOT

SCRIPT_LOCATION = PROJECT_ROOT / "infra" / "alembic"


def upgrade(engine: Engine, schema: str = "public", revision: str = "head") -> None:
    with engine.connect() as conn:
        command.upgrade(_config(conn, schema), revision)


def downgrade(engine: Engine, schema: str, revision: str) -> None:
    """Back to `revision` (the migration tests check that each downgrade restores the former shape)."""
    with engine.connect() as conn:
        command.downgrade(_config(conn, schema), revision)


def _config(conn: Connection, schema: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["schema"] = schema
    config.attributes["connection"] = conn
    return config
