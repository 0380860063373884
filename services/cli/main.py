"""The `ims` command: operators' entry point to every process and tool."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from services.common.log import configure_logging
from services.common.settings import Settings

if TYPE_CHECKING:
    from services.bootstrap import Container


def _api(settings: Settings, _args: argparse.Namespace) -> int:
    import uvicorn

    from services.api.app import create_app
    from services.bootstrap import build_container

    container = build_container(settings, for_api=True)
    _sweep_as_of(container)
    uvicorn.run(create_app(container), host=settings.http_host, port=settings.http_port, log_level="warning")
    container.close()
    return 0


def _sweep_as_of(container) -> None:  # type: ignore[no-untyped-def]
    """At start: drop snapshots a crash emptied or a migration outdated (the scheduler's step does it too)."""
    import structlog
    from sqlalchemy.exc import SQLAlchemyError

    from services.actions.views.snapshot_step import sweep

    try:
        sweep(container)
    except SQLAlchemyError as exc:  # the API must start even if PostgreSQL is not there yet
        structlog.get_logger().warning("as_of_sweep_failed", error=str(exc).splitlines()[0])


def _consume(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import load_codec, projection_factories
    from services.common.db import make_engine
    from services.common.runner import ProjectionRunner, consumer_factory

    factories = projection_factories(settings)
    if args.name not in factories:
        print(f"ims consume: unknown projection {args.name!r}; choose from {sorted(factories)}", file=sys.stderr)
        return 2
    assert settings.database_url and settings.kafka_bootstrap, "DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS needed"
    runner = ProjectionRunner(
        factories[args.name](),
        make_engine(settings.database_url, settings.db_schema),
        load_codec(),
        consumer_factory(settings.kafka_bootstrap, settings.group(args.name), settings),
        batch_size=settings.batch_size,
        skip_unknown=settings.skip_unknown_events,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    runner.run(stop)
    return 0


def _door(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import build_container
    from services.common.runner import consumer_factory
    from services.recon.door import NAME, PurchaseDoor

    assert settings.database_url and settings.kafka_bootstrap, "DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS needed"
    container = build_container(settings)
    door = PurchaseDoor(container, consumer_factory(settings.kafka_bootstrap, settings.group(NAME), settings))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        door.run(stop)
    finally:
        container.close()
    return 0


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from services.common.db import make_engine
    from services.common.migrations import upgrade

    assert settings.database_url, "DATABASE_URL is not set"
    upgrade(make_engine(settings.database_url, settings.db_schema), settings.db_schema)
    print("migrations applied")
    return 0


def _until_stopped(settings: Settings, loop: Callable[[Container, threading.Event], None]) -> int:
    """Run a service loop with its own container until SIGTERM or SIGINT."""
    from services.bootstrap import build_container

    container = build_container(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        loop(container, stop)
    finally:
        container.close()
    return 0


def _notify(settings: Settings, _args: argparse.Namespace) -> int:
    from services.actions.notifier.relay import run

    return _until_stopped(settings, run)


def _relay(settings: Settings, _args: argparse.Namespace) -> int:
    from services.bootstrap import build_relay

    return _until_stopped(settings, lambda container, stop: build_relay(container).run(stop))


def _up(settings: Settings, _args: argparse.Namespace) -> int:
    from services.cli.up import run_up

    return run_up(settings)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ims", description="Event-sourced GST Invoice Management System backend")
    commands = root.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the embedded stack (or use external servers) and every service")
    commands.add_parser("api", help="run the HTTP API")
    consume = commands.add_parser("consume", help="run one projection consumer")
    consume.add_argument("name")
    door = commands.add_parser(
        "door", help="run a Kafka door: `purchases` books an ERP's vouchers from ims.purchases.v1"
    )
    door.add_argument("name", choices=["purchases"])
    commands.add_parser("migrate", help="apply database migrations")
    commands.add_parser("notify", help="turn the supplier-notification outbox into events of the durable log")
    commands.add_parser("relay", help="publish the durable event log to Kafka (and restore a broker that lost it)")
    from services.cli.filing import add_file_command

    add_file_command(commands)
    from services.cli.ops import add_commands

    add_commands(commands)
    from services.cli.gstr2b import add_command as add_gstr2b_command

    add_gstr2b_command(commands)
    from services.cli.replay import add_commands as add_replay_commands

    add_replay_commands(commands)
    from services.cli.tokens import add_commands as add_token_commands

    add_token_commands(commands)
    from services.cli.status import add_command as add_status_command

    add_status_command(commands)
    from services.cli.taxpayers import add_command as add_taxpayers_command

    add_taxpayers_command(commands)
    return root


HANDLERS = {
    "up": _up,
    "api": _api,
    "consume": _consume,
    "door": _door,
    "migrate": _migrate,
    "notify": _notify,
    "relay": _relay,
}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command != "up":  # a second terminal: the servers of the running `ims up`, unless exported
        from services.cli.stackfile import with_running_stack

        settings = with_running_stack(settings)
    configure_logging(settings.log_format, settings.log_level)
    handler = HANDLERS.get(args.command) or args.handler
    return int(handler(settings, args) or 0)


if __name__ == "__main__":
    sys.exit(main())
