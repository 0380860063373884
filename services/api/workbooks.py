"""An uploaded XLSX workbook opened safely: its ZIP directory is checked before openpyxl reads a byte of it.

A workbook may unpack to at most `max_unpacked` bytes in all, in at most `max_members` parts, and a part
openpyxl reads whole (shared strings, styles: anything but a sheet, which is streamed) to at most `max_part`;
ZIP reading never goes past a member's declared size, so a small body cannot unpack into a large one. Used
by every door that takes a workbook (the Excel round trip of actions, the purchase register).
"""

from __future__ import annotations

import zipfile
from typing import IO, Any


class WorkbookRefused(ValueError):
    """Why the body is not a workbook we read; the message names the body (`body: ...`)."""


def open_workbook(
    source: IO[bytes], *, max_unpacked: int, max_part: int, max_members: int = 1000, data_only: bool = False
) -> Any:
    """The workbook, opened read-only (openpyxl), or WorkbookRefused saying why not."""
    import openpyxl  # imported when a workbook arrives: it costs the API's start 0.2 s

    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise WorkbookRefused("body: not an xlsx workbook (not a ZIP archive)") from None
    unpacked = sum(m.file_size for m in members)
    if len(members) > max_members or unpacked > max_unpacked:
        raise WorkbookRefused(f"body: the workbook unpacks to {unpacked} bytes in {len(members)} parts; too large")
    for member in members:
        if member.file_size > max_part and not member.filename.startswith("xl/worksheets/"):
            raise WorkbookRefused(f"body: the workbook's {member.filename[:64]!r} unpacks to {member.file_size} bytes")
    source.seek(0)
    try:
        return openpyxl.load_workbook(source, read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise WorkbookRefused(f"body: not a readable xlsx workbook ({type(exc).__name__})") from None
