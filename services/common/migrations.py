"""Schema migrations with Alembic, run programmatically by `ims up`, `ims migrate` and the test fixtures."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from services.common.settings import PROJECT_ROOT

SCRIPT_LOCATION = PROJECT_ROOT / "infra" / "alembic"


def upgrade(engine: Engine, schema: str = "public", revision: str = "head") -> None:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.attributes["schema"] = schema
    with engine.connect() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
