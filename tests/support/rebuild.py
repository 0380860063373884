"""A replay into a schema of its own, not switched in: what the replay tests compare with the live read model."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Engine

from services.bootstrap import Container, projection_factories
from services.common.db import make_engine
from services.common.migrations import upgrade
from services.replay import rebuild


def rebuild_only(container: Container, names: list[str], schema: str, source: str = "kafka") -> Engine:
    """Rebuild into a separate schema without switching (for comparisons); the caller disposes the engine."""
    assert container.settings.database_url
    engine = make_engine(container.settings.database_url, schema)
    upgrade(engine, schema)
    factories = projection_factories(replace(container.settings, db_schema=schema))
    for name in names:
        rebuild(container, factories[name](), engine, source)
    return engine
