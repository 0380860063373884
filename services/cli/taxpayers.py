"""`ims taxpayers load FILE`: load taxpayer names (CSV, or JSON when the file ends in .json) through the same
checks and handler as `POST /v1/admin/taxpayers`; prints the answer and exits 1 when nothing was loaded (ER),
2 when the file cannot be read as a load."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from services.common.settings import Settings


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    taxpayers = commands.add_parser("taxpayers", help="the registry of taxpayer names (GSTIN, legal and trade name)")
    actions = taxpayers.add_subparsers(dest="taxpayers_command", required=True)
    load = actions.add_parser("load", help="load names from a CSV (gstin,legal_name,trade_name) or JSON file")
    load.add_argument("path", type=Path)
    load.add_argument("--actor", default="cli")
    load.set_defaults(handler=run_load)


def run_load(settings: Settings, args: argparse.Namespace) -> int:
    from services.api import limits
    from services.bootstrap import build_container
    from services.common.jsonstream import MalformedJson, RecordRefused, TooManyRecords
    from services.registry.body import read_taxpayers
    from services.registry.domain.csvrows import rows_of_csv
    from services.registry.domain.taxpayers import BodyRefused, check_rows, rows_of_json
    from services.registry.handlers import load

    path: Path = args.path
    if not path.is_file():
        print(f"ims taxpayers load: {path}: no such file", file=sys.stderr)
        return 2
    max_rows = limits.TAXPAYERS.records or 0
    try:
        if path.suffix.lower() == ".json":
            with path.open("rb") as source:
                rows = rows_of_json(read_taxpayers(source, max_rows), max_rows)
        else:
            rows = rows_of_csv(path.read_text(encoding="utf-8"), max_rows)
    except UnicodeDecodeError as exc:
        print(f"ims taxpayers load: {path}: not valid UTF-8 at byte {exc.start} (save it as UTF-8)", file=sys.stderr)
        return 2
    except (BodyRefused, MalformedJson, RecordRefused, TooManyRecords) as exc:
        print(f"ims taxpayers load: {path}: {exc}", file=sys.stderr)
        return 2
    container = build_container(settings)
    try:
        answer = load(container, check_rows(rows), args.actor, None)
    finally:
        container.close()
    print(json.dumps(answer, indent=1, ensure_ascii=False))
    return 1 if answer["status_cd"] == "ER" else 0
