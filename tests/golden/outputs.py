"""What the goldens compare: `ims verify`, GSTR-2B (JSON, CSV, XLSX cells), GETCNT and GETINV (now and as
of two instants of the log) and SUPVIEW, read through the API app of whichever checkout runs this, as
files named by what they hold.

Only module paths present before and after the rooms refactor are used (`services.api.app`,
`services.bootstrap`, `services.cli.replay`, `services.common.*`), so the old checkout can run it too.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

from sqlalchemy import Engine, text

from services.common.settings import Settings

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# instants of the log for as-of reads: when the clock first moved, and the last event
AS_OF = (
    "(SELECT min(occurred_at) FROM event_log WHERE event_type = 'ClockAdvanced') "
    "UNION ALL (SELECT max(occurred_at) FROM event_log)"
)
MOST_DOCUMENTS = "SELECT recipient FROM ims_documents GROUP BY recipient ORDER BY count(*) DESC, recipient LIMIT 2"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def verify_output(settings: Settings) -> bytes:
    """Exactly what `ims verify` prints."""
    from services.cli.replay import run_verify

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        run_verify(settings, argparse.Namespace())
    return printed.getvalue().encode()


def xlsx_cells(content: bytes) -> bytes:
    """Every cell of every sheet as a JSON line per row, `[sheet, row, [[column, type, style, value], ...]]`:
    the workbook's content without the zip's and xlsxwriter's timestamps."""
    book = zipfile.ZipFile(io.BytesIO(content))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{_MAIN}t")) for si in root.iter(f"{_MAIN}si")]
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): str(r.get("Target")).lstrip("/") for r in rels}
    lines = []
    for sheet in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{_MAIN}sheet"):
        target = targets[sheet.get(_REL)]
        root = ElementTree.fromstring(book.read(target if target.startswith("xl/") else f"xl/{target}"))
        for row in root.iter(f"{_MAIN}row"):
            cells = []
            for cell in row.iter(f"{_MAIN}c"):
                kind, value = cell.get("t"), cell.find(f"{_MAIN}v")
                shown = "".join(t.text or "" for t in cell.iter(f"{_MAIN}t")) if value is None else value.text
                if kind == "s" and shown is not None:
                    shown = shared[int(shown)]
                cells.append([str(cell.get("r")).rstrip("0123456789"), kind, cell.get("s"), shown])
            lines.append(json.dumps([sheet.get("name"), row.get("r"), cells], separators=(",", ":")))
    return "\n".join(lines).encode() + b"\n"


def _column(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(text(sql))]


def _get(client: Any, path: str, **params: Any) -> bytes:
    answer = client.get(path, params=params)
    assert answer.status_code == 200, (path, params, answer.status_code, answer.text[:500])
    return bytes(answer.content)


def api_outputs(client: Any, engine: Engine) -> Iterator[tuple[str, bytes]]:
    """(file name, exact answer body) of every read a recipient or supplier makes of the state; `client` is
    an authorised test client of `services.api.app.create_app`."""
    recipients = _column(engine, "SELECT recipient FROM ims_recipients UNION SELECT recipient FROM ims_documents")
    periods = _column(engine, "SELECT DISTINCT return_period FROM ims_documents")
    instants = _column(engine, AS_OF)
    audited = _column(engine, MOST_DOCUMENTS)  # as-of views replay the log: a few recipients suffice
    for recipient in sorted(recipients):
        yield f"getcnt/{recipient}.json", _get(client, f"/v1/ims/{recipient}/counts")
        for period in sorted(periods):
            yield f"getcnt/{recipient}-{period}.json", _get(client, f"/v1/ims/{recipient}/counts", rtnprd=period)
        yield f"getinv/{recipient}.json", _get(client, f"/v1/ims/{recipient}/documents", limit=5000)
        if recipient not in audited:
            continue
        for which, instant in zip(("first-tick", "last-event"), instants, strict=True):
            counts = _get(client, f"/v1/ims/{recipient}/counts", as_of=instant)
            yield f"getcnt/{recipient}-asof-{which}.json", counts
            listing = _get(client, f"/v1/ims/{recipient}/documents", limit=5000, as_of=instant)
            yield f"getinv/{recipient}-asof-{which}.json", listing
    for supplier in sorted(_column(engine, "SELECT DISTINCT supplier FROM ims_documents")):
        yield f"supview/{supplier}.json", _get(client, f"/v1/suppliers/{supplier}/outward")
    generated = "SELECT recipient || '/' || period || '/' || version FROM gstr2b_versions"
    for recipient, period, version in sorted(tuple(v.split("/")) for v in _column(engine, generated)):
        base = f"/v1/gstr2b/{recipient}/{period}"
        if version == "1":
            yield f"gstr2b/{recipient}-{period}-versions.json", _get(client, f"{base}/versions")
        name = f"gstr2b/{recipient}-{period}-v{version}"
        yield f"{name}.json", _get(client, base, version=version)
        yield f"{name}.csv", _get(client, base, version=version, format="csv")
        yield f"{name}.xlsx-cells.jsonl", xlsx_cells(_get(client, base, version=version, format="xlsx"))
        if version != "1":
            older = str(int(version) - 1)
            yield f"{name}-diff.json", _get(client, f"{base}/diff", **{"from": older, "to": version})


@contextlib.contextmanager
def api_client(settings: Settings) -> Iterator[Any]:
    """The API app in this process with an admin token (no server, no port)."""
    from fastapi.testclient import TestClient

    from services.api.app import create_app
    from services.bootstrap import build_container
    from services.common import tokens

    container = build_container(settings, for_api=True)
    _, token = tokens.create(container.engine, "admin", [], "golden")
    try:
        with TestClient(create_app(container), headers={"Authorization": f"Bearer {token}"}) as client:
            yield client
    finally:
        container.close()


def all_outputs(settings: Settings, engine: Engine) -> dict[str, bytes]:
    files = {"verify.txt": verify_output(settings)}
    with api_client(settings) as client:
        files.update(api_outputs(client, engine))
    return files
