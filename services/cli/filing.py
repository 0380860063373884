"""`ims file PATH --form gstr1`: file a return from disk through the same handler as the HTTP API."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

from services.common.settings import Settings


def add_file_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("file", help="file or save a GSTR-1 / IFF / GSTR-1A / GSTR-5 / GSTR-6 JSON")
    command.add_argument("path", type=Path)
    command.add_argument("--form", required=True, choices=["gstr1", "iff", "gstr1a", "gstr5", "gstr6", "boe"])
    command.add_argument("--status", default="filed", choices=["saved", "filed"])
    command.add_argument("--filed-on", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    command.add_argument("--actor", default="cli")
    command.add_argument("--quarterly", action="store_true", help="gstr1 of a quarterly (QRMP) filer")
    command.set_defaults(handler=run_file)


def _read(path: Path) -> tuple[bytes, object]:
    if not path.exists():
        raise SystemExit(f"ims file: {path}: no such file")
    if not path.is_file():
        raise SystemExit(f"ims file: {path}: not a regular file")
    raw = path.read_bytes()
    try:
        return raw, json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SystemExit(f"ims file: {path}: not valid JSON: {exc}") from None


def run_file(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import build_container
    from services.ingest.handlers import FilingRefused, file_boes, file_return

    raw, payload = _read(args.path)
    print(f"validating and publishing {args.path.name} ({len(raw) / 1e6:.1f} MB) ...", file=sys.stderr)
    container = build_container(settings)
    try:
        if args.form == "boe":
            result = file_boes(container, payload, raw, args.actor)
        else:
            result = file_return(
                container, payload, raw, args.form, args.status, args.filed_on, args.actor, None, args.quarterly
            )
    except FilingRefused as exc:
        print(f"ims file: refused: {exc}", file=sys.stderr)
        return 2
    finally:
        container.close()
    print(json.dumps(result, indent=1))
    return 0 if result["status_cd"] != "ER" else 1
