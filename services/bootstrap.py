"""Wires engines, clients and projections from settings; the only place that builds them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from services.common.codec import Codec
from services.common.db import make_engine
from services.common.runner import Projection
from services.common.settings import EVENTS_TOPIC, REGISTRY_TOPIC, TOPICS, Settings

if TYPE_CHECKING:
    from services.actions.commands.ports import CommandPorts
    from services.archive.relay import Relay
    from services.ingest.workers import RowChecker


@dataclass
class Container:
    settings: Settings
    engine: Engine
    codec: Codec
    _checker: RowChecker | None = field(default=None, repr=False)

    @property
    def row_checker(self) -> RowChecker:
        """Worker processes for checking large returns, started on first use and kept."""
        if self._checker is None:
            from services.ingest.workers import RowChecker

            self._checker = RowChecker(self.settings.ingest_workers)
        return self._checker

    def close(self) -> None:
        if self._checker is not None:
            self._checker.close()
        self.engine.dispose()


def build_container(settings: Settings, for_api: bool = False) -> Container:
    """`for_api`: the API's statement and lock timeouts apply (other processes run long statements)."""
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set (ims up sets it for the processes it starts)")
    engine = make_engine(
        settings.database_url,
        settings.db_schema,
        connect_timeout_s=settings.db_connect_timeout_s,
        pool_timeout_s=settings.db_pool_timeout_s,
        statement_timeout_ms=settings.api_statement_timeout_ms if for_api else 0,
        lock_timeout_ms=settings.api_lock_timeout_ms if for_api else 0,
    )
    return Container(settings, engine, load_codec())


@functools.cache
def load_codec() -> Codec:
    return Codec.from_directories()


def projection_factories(settings: Settings) -> dict[str, Callable[[], Projection]]:
    """Every consumer `ims up` starts, by name; `ims consume NAME` runs one."""
    from services.actions.projector.projection import ImsProjection
    from services.recon.projection import ReconProjection
    from services.registry.projection import RegistryProjection

    return {
        "ims": lambda: ImsProjection(settings.topic(EVENTS_TOPIC)),
        "registry": lambda: RegistryProjection(settings.topic(REGISTRY_TOPIC)),
        "recon": lambda: ReconProjection(settings.topic(EVENTS_TOPIC)),
    }


def command_ports(container: Container) -> CommandPorts:
    """The ports of the recipient commands (services/actions/commands/ports.py) over this container."""
    from services.actions.commands.postgres import command_ports as over_postgres

    return over_postgres(container.engine, container.codec, container.settings.topic(EVENTS_TOPIC))


def build_relay(container: Container) -> Relay:
    """The relay of the durable log to the broker (`ims relay`)."""
    from services.archive.broker import Broker
    from services.archive.relay import Relay

    settings = container.settings
    assert settings.kafka_bootstrap, "KAFKA_BOOTSTRAP_SERVERS is not set"
    broker = Broker(settings.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
    return Relay(container.engine, broker, settings.db_schema)
