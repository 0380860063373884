"""HTTP steps of GSTR-2B tests on the live stack: file, act, move the clock, fetch statements."""

from __future__ import annotations

import json
import re
import zipfile
from collections import defaultdict
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.etree import ElementTree

from services.common.gst.periods import Period
from tests.support.gstr2b_oracle import Action, Doc

ROWS_KEY = {"b2b": "inv", "cdnr": "nt", "isd": "doclst"}
TABLE_OF = {"inv": "b2b", "cn": "cdnr", "dn": "cdnr", "isd": "isd", "isdcn": "isd"}


def file_gstr1(live: Any, supplier: str, fp: str, docs: list[Doc], filed_on: str, form: str = "gstr1") -> None:
    """One supplier's return holding `docs` (b2b / cdnr, or isd for GSTR-6), all accepted."""
    tables: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for doc in docs:
        tables.setdefault(TABLE_OF[doc.kind], {}).setdefault(doc.recipient, []).append(doc.row())
    body: dict[str, Any] = {"gstin": supplier, "fp": fp}
    for table, by_recipient in tables.items():
        body[table] = [{"ctin": ctin, ROWS_KEY[table]: rows} for ctin, rows in by_recipient.items()]
    _filed(live, f"/v1/returns/{form}?status=filed&filed_on={filed_on}", body, len(docs))


def file_eco(live: Any, operator: str, fp: str, docs: list[Doc], filed_on: str) -> None:
    """An e-commerce operator's GSTR-1 table 15 (`ecom.b2b`): supplies by `stin` to `rtin`."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for doc in docs:
        groups[(doc.supplier, doc.recipient)].append(doc.row())
    body = {
        "gstin": operator,
        "fp": fp,
        "ecom": {"b2b": [{"stin": s, "rtin": r, "inv": rows} for (s, r), rows in groups.items()]},
    }
    _filed(live, f"/v1/returns/gstr1?status=filed&filed_on={filed_on}", body, len(docs))


def file_boes(live: Any, docs: list[Doc]) -> None:
    _filed(live, "/v1/imports/boe", {"boe": [doc.row() for doc in docs]}, len(docs))


def _filed(live: Any, path: str, body: dict[str, Any], count: int) -> None:
    answer = live.post(path, body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert (result["status_cd"], result["proc_cnt"], result["err_cnt"]) == ("P", count, 0), result


def save(live: Any, recipient: str, items: list[tuple[Doc, Action]]) -> dict[str, Any]:
    """IMS SAVE (or RESET for N) of each (document, action); returns the REQSTS-shaped answer."""
    invdata: dict[str, list[dict[str, Any]]] = defaultdict(list)
    reset = all(action.code == "N" for _, action in items)
    for doc, action in items:
        record = doc.locator() | ({} if reset else action.record())
        invdata[doc.ims_section].append(record)
    path = f"/v1/ims/{recipient}/actions" + ("/reset" if reset else "")
    answer = live.post(path, {"rtin": recipient, "reqtyp": "RESET" if reset else "SAVE", "invdata": invdata})
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def errors(answer: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(section, number, error_cd) of every refused item (GSTN's nesting: entries of `inv`)."""
    out = []
    for section, rows in answer.get("error_report", {}).items():
        for row in rows:
            for inv in row["inv"]:
                number = inv.get("inum") or inv.get("nt_num") or inv.get("boenum") or inv.get("doc_id")
                out.append((section, number, row["error_cd"]))
    return sorted(out)


def clock(live: Any, day: str) -> None:
    assert live.post("/v1/clock", {"date": day}).status_code == 200
    live.wait_projected()


def gstr3b(live: Any, recipient: str, period: str, filed_on: str) -> None:
    answer = live.post(f"/v1/ims/{recipient}/gstr3b/{period}", {"filed_on": filed_on})
    assert answer.status_code == 200, answer.text
    live.wait_projected()


def gstr3b_each_month(live: Any, recipient: str, first: Period, last: Period) -> None:
    """A GSTR-2B (the clock past each cut-off) and a GSTR-3B for every month from `first` to `last`."""
    period = first
    while period <= last:
        following = period.next()
        clock(live, f"{following.year}-{following.month:02d}-14")
        gstr3b(live, recipient, period.mmyyyy, f"{following.year}-{following.month:02d}-20")
        period = following


def recompute(live: Any, recipient: str, period: str) -> None:
    answer = live.post(f"/v1/gstr2b/{recipient}/{period}/recompute", {})
    assert answer.status_code == 200, answer.text
    live.wait_projected()


def statement(live: Any, recipient: str, period: str, version: int | None = None) -> tuple[str, dict[str, Any]]:
    """(exact text, parsed with exact decimals) of a generated GSTR-2B."""
    params = {"version": version} if version else {}
    answer = live.http.get(f"/v1/gstr2b/{recipient}/{period}", params=params)
    assert answer.status_code == 200, (recipient, period, answer.text)
    return answer.text, json.loads(answer.text, parse_float=Decimal)


def data_text(text: str) -> str:
    """The exact text of the top-level "data" value (what `chksum` is computed over)."""
    assert text.startswith('{"data":'), text[:40]
    body = json.loads(text)
    end = text.rindex(',"chksum":' + json.dumps(body["chksum"]))
    return text[len('{"data":') : end]


# ---- XLSX ------------------------------------------------------------------------------------------------

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def xlsx_sheets(content: bytes) -> dict[str, list[list[Any]]]:
    """Sheet name → rows of cell values (text as str, numbers as Decimal), read with the stdlib only."""
    book = zipfile.ZipFile(BytesIO(content))
    shared: list[str] = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{_NS['m']}}}t")) for si in root.findall("m:si", _NS)]
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
    out: dict[str, list[list[Any]]] = {}
    for sheet in workbook.find("m:sheets", _NS) or []:
        target = str(targets[sheet.get(_REL)]).lstrip("/")
        path = target if target.startswith("xl/") else "xl/" + target
        root = ElementTree.fromstring(book.read(path))
        rows: list[list[Any]] = []
        for row in root.iter(f"{{{_NS['m']}}}row"):
            cells: list[Any] = []
            for cell in row.findall("m:c", _NS):
                column = _column(str(cell.get("r")))
                cells.extend([None] * (column - len(cells)))
                cells.append(_cell_value(cell, shared))
            rows.append(cells)
        out[str(sheet.get("name"))] = rows
    return out


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    assert letters
    index = 0
    for ch in letters.group(0):
        index = index * 26 + ord(ch) - 64
    return index - 1


def _cell_value(cell: ElementTree.Element, shared: list[str]) -> Any:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_NS['m']}}}t"))
    value = cell.find("m:v", _NS)
    if value is None or value.text is None:
        return None
    if kind == "s":
        return shared[int(value.text)]
    if kind in ("str", "b"):
        return value.text
    return Decimal(value.text)
