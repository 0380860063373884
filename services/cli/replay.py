"""`ims replay [--projection NAME | --all] [--from kafka|archive]` and `ims verify`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from services.cli.progress import bar
from services.common.settings import Settings


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = commands.add_parser("replay", help="rebuild projections from the first event and switch over")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("--projection", action="append", default=None)
    which.add_argument("--all", action="store_true")
    replay.add_argument(
        "--from", dest="source", default="kafka", choices=["kafka", "archive"], help="archive: the durable log"
    )
    replay.add_argument("--keep-retired", action="store_true", help="keep the replaced tables in a retired schema")
    replay.set_defaults(handler=run_replay)
    verify = commands.add_parser("verify", help="print a deterministic digest of every read model")
    verify.set_defaults(handler=run_verify)


def run_replay(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import build_container, projection_factories
    from services.replay import replay

    names = list(projection_factories(settings)) if args.all else args.projection
    unknown = sorted(set(names) - set(projection_factories(settings)))
    if unknown:
        print(f"ims replay: unknown projection(s) {unknown}")
        return 2
    from services.actions.views.snapshot_step import drop_all

    container = build_container(settings)
    answer: dict[str, object] = {"from": args.source}
    try:
        bars: list[Any] = []

        def progress(name: str, total: int | None) -> Callable[[int], None]:
            for done in bars:
                done.close()
            bars.append(bar(total, f"replay {name}", "event"))
            return bars[-1].update  # type: ignore[no-any-return]

        try:
            answer["replayed"] = replay(container, names, args.source, args.keep_retired, progress)
        finally:
            for done in bars:
                done.close()
        if "ims" in names:  # as-of snapshots hold what the projection code computed when they were taken
            answer["snapshots_dropped"] = drop_all(container)
    finally:
        container.close()
    print(json.dumps(answer))
    return 0


SYSTEM_OF_RECORD = ("event_log", "event_placements")  # read by replay, never rebuilt


def read_model_digests(settings: Settings) -> dict[str, list[object]]:
    """Every read model's digest, then the durable log's: `ims verify` prints them."""
    from services.bootstrap import build_container, projection_factories
    from services.common.digest import digests

    container = build_container(settings)
    tables = tuple(t for factory in projection_factories(settings).values() for t in factory().tables)
    tables += SYSTEM_OF_RECORD
    try:
        with container.engine.connect() as conn:
            return {table: list(value) for table, value in digests(conn, tables).items()}
    finally:
        container.close()


def run_verify(settings: Settings, _args: argparse.Namespace) -> int:
    for table, (rows, digest) in read_model_digests(settings).items():
        print(f"{table:20} {rows:>10} {digest}")
    from services.bootstrap import build_container

    container = build_container(settings)
    try:
        with container.engine.connect() as conn:
            findings = conn.execute(text("SELECT kind, events, message FROM event_log_findings ORDER BY found_on"))
            for kind, events, message in findings:
                print(f"# event log {kind} ({events} events): {message}")
    finally:
        container.close()
    return 0
