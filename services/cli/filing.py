"""`ims file PATH --form gstr1`: file a return from disk through the same handler as the HTTP API."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from services.common.settings import Settings

PROGRESS_FROM_BYTES = 1 << 20
MALFORMED = "body: malformed JSON: "
BAR = 30


def add_file_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    command = commands.add_parser("file", help="file or save a GSTR-1 / IFF / GSTR-1A / GSTR-5 / GSTR-6 JSON")
    command.add_argument("path", type=Path)
    command.add_argument("--form", required=True, choices=["gstr1", "iff", "gstr1a", "gstr5", "gstr6", "boe"])
    command.add_argument("--status", default="filed", choices=["saved", "filed"])
    command.add_argument("--filed-on", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    command.add_argument("--actor", default="cli")
    command.add_argument("--quarterly", action="store_true", help="gstr1 of a quarterly (QRMP) filer")
    command.set_defaults(handler=run_file)


def _check(path: Path) -> None:
    if not path.exists():
        raise SystemExit(f"ims file: {path}: no such file")
    if not path.is_file():
        raise SystemExit(f"ims file: {path}: not a regular file")


def _read_boe(path: Path) -> tuple[bytes, object]:
    raw = path.read_bytes()
    try:
        return raw, json.loads(raw.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError) as exc:
        raise SystemExit(f"ims file: {path}: not valid JSON: {exc}") from None


class Progress:
    """A progress bar on stderr for large files: redrawn in place on a terminal, every 10% otherwise."""

    def __init__(self, total: int, label: str, stream: TextIO = sys.stderr):
        self.total, self.label, self.stream = max(total, 1), label, stream
        self.done = 0
        self._shown = -1
        self._tty = stream.isatty()

    def __call__(self, size: int) -> None:
        self.done = min(self.total, self.done + size)
        percent = self.done * 100 // self.total
        step = percent if self._tty else percent - percent % 10
        if step == self._shown:
            return
        self._shown = step
        filled = percent * BAR // 100
        bar = "#" * filled + "." * (BAR - filled)
        line = f"{self.label} [{bar}] {percent:3d}% {self.done / 1e6:,.1f}/{self.total / 1e6:,.1f} MB"
        self.stream.write(("\r" + line) if self._tty else line + "\n")
        if self._tty and percent == 100:
            self.stream.write("\n")
        self.stream.flush()


def run_file(settings: Settings, args: argparse.Namespace) -> int:
    from services.bootstrap import build_container
    from services.common.jsonstream import MalformedJson
    from services.ingest.body import RawReturn
    from services.ingest.handlers import FilingRefused, file_boes, file_return

    _check(args.path)
    size = args.path.stat().st_size
    print(f"validating and publishing {args.path.name} ({size / 1e6:.1f} MB) ...", file=sys.stderr)
    progress = Progress(size, "reading") if size >= PROGRESS_FROM_BYTES else None
    if progress is not None:
        progress(0)
    container = build_container(settings)
    try:
        if args.form == "boe":
            raw, payload = _read_boe(args.path)
            result = file_boes(container, payload, raw, args.actor)
        else:
            with RawReturn.of_file(args.path) as body:
                result = file_return(
                    container,
                    body,
                    args.form,
                    args.status,
                    args.filed_on,
                    args.actor,
                    None,
                    args.quarterly,
                    progress,
                )
    except MalformedJson as exc:
        print(f"ims file: {args.path}: not valid JSON: {str(exc).removeprefix(MALFORMED)}", file=sys.stderr)
        return 2
    except FilingRefused as exc:
        print(f"ims file: refused: {exc}", file=sys.stderr)
        return 2
    finally:
        container.close()
    print(json.dumps(result, indent=1))
    return 0 if result["status_cd"] != "ER" else 1
