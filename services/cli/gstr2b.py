"""`ims gstr2b GSTIN MMYYYY [--format json|csv|xlsx] [--recompute] [--version N] [--output PATH]`."""

from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

from services.common.settings import Settings


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser(
        "gstr2b", help="print or download a generated GSTR-2B; --recompute asks for a new version"
    )
    command.add_argument("gstin")
    command.add_argument("rtnprd", help="MMYYYY")
    command.add_argument("--format", default="json", choices=["json", "csv", "xlsx"])
    command.add_argument("--version", type=int, default=None)
    command.add_argument("--output", type=Path, default=None, help="file to write (required for xlsx)")
    command.add_argument("--recompute", action="store_true")
    command.set_defaults(handler=run)


def _safe_output(path: Path) -> Path:
    """A new file in an existing directory: never overwrite, never follow a link, never a device."""
    if path.is_symlink():
        raise SystemExit(f"ims gstr2b: --output {path}: is a symbolic link; refusing to follow it")
    resolved = path.expanduser().resolve()
    if resolved.exists():
        raise SystemExit(f"ims gstr2b: --output {path}: already exists; refusing to overwrite it")
    if not resolved.parent.is_dir():
        raise SystemExit(f"ims gstr2b: --output {path}: directory {resolved.parent} does not exist")
    return resolved


def run(settings: Settings, args: argparse.Namespace) -> int:
    from services.archive.eventlog import log_event
    from services.bootstrap import build_container
    from services.common.commands import CommandRefused, check_period
    from services.common.events import Gstr2bRecomputeRequestedV1
    from services.common.gst.gstin import InvalidGstin, parse_gstin
    from services.gstr2b import output, queries, sheets
    from services.gstr2b.generation import recompute_refusal

    try:
        gstin, period = parse_gstin(args.gstin).value, check_period(args.rtnprd)
    except (InvalidGstin, CommandRefused) as exc:
        print(f"ims gstr2b: {exc}", file=sys.stderr)
        return 2
    if args.format == "xlsx" and args.output is None:
        print("ims gstr2b: --output is required for xlsx", file=sys.stderr)
        return 2
    container = build_container(settings)
    try:
        if args.recompute:
            with container.engine.connect() as conn:
                refusal = recompute_refusal(conn, gstin, period)
            if refusal is not None:
                print(f"ims gstr2b: refused: {refusal[1]}", file=sys.stderr)
                return 1
            log_event(container, gstin, Gstr2bRecomputeRequestedV1(gstin, period, uuid.uuid4().hex), "cli")
            print(
                "recompute requested; the new version appears once the IMS projector applies it",
                file=sys.stderr,
            )
            return 0
        v = queries.version(container.engine, gstin, period, args.version)
        if v is None:
            print(f"ims gstr2b: no generated GSTR-2B for {gstin} {period}", file=sys.stderr)
            return 1
        if args.format == "xlsx":
            produced = Path(sheets.workbook(container.engine, v))
            produced.replace(_safe_output(args.output))
            print(f"wrote {args.output}", file=sys.stderr)
            return 0
        if args.format == "json":
            pieces = output.pieces_of(container.engine, v, settings.gstr2b_piece_documents)
            chunks = output.json_stream(container.engine, v, pieces)
        else:
            chunks = sheets.csv_chunks(container.engine, v)
        target = open(_safe_output(args.output), "wb") if args.output else sys.stdout.buffer  # noqa: SIM115
        try:
            for chunk in chunks:
                target.write(chunk)
        finally:
            if args.output:
                target.close()
        return 0
    finally:
        container.close()
