"""GSTR-2B in the GSTN JSON shape, and as CSV / XLSX with one sheet per section, all streamed.

`docdata` and `docRejdata` group documents by supplier (`ctin`, `supfildt`, `supprd`); the stream holds
about 64 KB of text at a time, even within one supplier's group, so a 1,000,000-document statement (from
one supplier or many) is sent in bounded memory. The
`chksum` is the SHA-256 of the `data` object's text exactly as sent.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Engine

from services.common.gst.periods import dmy
from services.common.gst.sections import SECTION_BY_KEY
from services.common.money_json import Paise, dumps
from services.gstr2b import queries
from services.gstr2b.domain.layout import BUCKETS, HEADS

LIST_KEY = {
    "cdnr": "nt",
    "cdnra": "nt",
    "isd": "doclist",
    "isda": "doclist",
    "impg": "boe",
    "impga": "boe",
    "impgsez": "boe",
    "impgasez": "boe",
    "cdnrrev": "nt",
    "cdnrarev": "nt",
}
SHEETS = {
    "b2b": "B2B",
    "b2ba": "B2BA",
    "cdnr": "B2B-CDNR",
    "cdnra": "B2B-CDNRA",
    "ecom": "ECO",
    "ecoma": "ECOA",
    "isd": "ISD",
    "isda": "ISDA",
    "impg": "IMPG",
    "impga": "IMPGA",
    "impgsez": "IMPGSEZ",
    "impgasez": "IMPGSEZA",
    "cdnrrev": "B2B-CDNR-RCM",
    "cdnrarev": "B2B-CDNRA-RCM",
}


def _money_tree(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (Paise(v) if k in HEADS and isinstance(v, int) else _money_tree(v)) for k, v in node.items()}
    return node


def document(line: dict[str, Any]) -> dict[str, Any]:
    """One document as GSTR-2B lists it; amounts are what this statement counts (differences for amendments)."""
    doc: dict[str, Any]
    if line["section"] in BUCKETS["imports"]:
        doc = {
            "boenum": line["number"],
            "boedt": dmy(line["doc_date"].isoformat()),
            "portcode": line["port_code"],
        }
    elif line["section"] in BUCKETS["isdsup"]:
        doc = {
            "docnum": line["number"],
            "docdt": dmy(line["doc_date"].isoformat()),
            "doctyp": "C" if SECTION_BY_KEY[line["ims_section"]].is_credit_note else "I",
        }
        if line["orig_number"]:
            doc |= {"odocnum": line["orig_number"], "odocdt": dmy(line["orig_date"].isoformat())}
    elif line["note_type"] is not None or line["section"] in LIST_KEY:
        doc = {
            "ntnum": line["number"],
            "dt": dmy(line["doc_date"].isoformat()),
            "typ": line["note_type"] or "C",
            "suptyp": line["inv_typ"],
        }
        if line["orig_number"]:
            doc |= {
                "onttyp": line["note_type"],
                "ontnum": line["orig_number"],
                "ontdt": dmy(line["orig_date"].isoformat()),
            }
    else:
        doc = {"inum": line["number"], "dt": dmy(line["doc_date"].isoformat()), "typ": line["inv_typ"]}
        if line["orig_number"]:
            doc |= {"oinum": line["orig_number"], "oidt": dmy(line["orig_date"].isoformat())}
    doc |= {
        "val": Paise(line["value"]),
        "pos": line["pos"],
        "rev": "Y" if line["rev"] else "N",
        "itcavl": line["itcavl"],
        "rsn": line["rsn"] or None,
        "diffprcnt": float(line["diff_percent"] or 1),
        "txval": Paise(line["txval"]),
        "igst": Paise(line["igst"]),
        "cgst": Paise(line["cgst"]),
        "sgst": Paise(line["sgst"]),
        "cess": Paise(line["cess"]),
        "imsactn": line["action"],
    }
    if line["remarks"]:
        doc["remarks"] = line["remarks"]
    return doc


def _sections_json(lines: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`{"b2b":[{supplier group},...],"cdnr":[...]}` built one supplier group at a time."""
    yield "{"
    first_section = True
    for section, in_section in groupby(lines, key=lambda line: line["section"]):
        yield ("" if first_section else ",") + dumps(section) + ":["
        first_section = False
        first_group = True
        for (supplier, supprd, filed), group in groupby(
            in_section, key=lambda line: (line["supplier"], line["supprd"], line["supfildt"])
        ):
            head = {"ctin": supplier, "trdnm": "", "supfildt": dmy(filed.isoformat()) if filed else None,
                    "supprd": supprd}  # fmt: skip
            opening = ("" if first_group else ",") + dumps(head)[:-1] + "," + dumps(LIST_KEY.get(section, "inv"))
            yield from _joined(opening + ":[", (dumps(document(d)) for d in group), "]}")
            first_group = False
        yield "]"
    yield "}"


def _joined(opening: str, items: Iterator[str], closing: str, size: int = 1 << 16) -> Iterator[str]:
    """`opening`, the items separated by commas, `closing`, in pieces of about `size` characters: a
    supplier group of a million documents is never held whole."""
    parts, length = [opening], len(opening)
    for index, item in enumerate(items):
        parts.append("," + item if index else item)
        length += len(item) + 1
        if length >= size:
            yield "".join(parts)
            parts, length = [], 0
    parts.append(closing)
    yield "".join(parts)


def docdata_lines(engine: Engine, v: queries.Version) -> Iterator[dict[str, Any]]:
    """ITC available and not-available documents together (`itcavl` Y/N), merged in section order."""
    streams = [queries.lines(engine, v, (block,)) for block in ("itcavl", "itcunavl")]
    return heapq.merge(*streams, key=_portal_order)


def _portal_order(line: dict[str, Any]) -> tuple[str, str, str, str, str]:
    filed = line["supfildt"].isoformat() if line["supfildt"] else "0001-01-01"
    return (line["section"], line["supplier"], line["supprd"], filed, line["doc_key"])


def all_lines(engine: Engine, v: queries.Version) -> Iterator[dict[str, Any]]:
    """Every document, sheet by sheet: available and not available per section, then rejected."""
    yield from docdata_lines(engine, v)
    yield from queries.lines(engine, v, ("itcRejected",))


def json_stream(engine: Engine, v: queries.Version) -> Iterator[bytes]:
    digest = hashlib.sha256()

    def data_parts() -> Iterator[str]:
        header = {
            "gstin": v.recipient,
            "rtnprd": v.period,
            "version": v.version,
            "gendt": dmy(v.gendt.isoformat()),
            "itcsumm": _money_tree(v.summary["itcsumm"]),
        }
        yield dumps(header)[:-1] + ',"docdata":'
        yield from _sections_json(docdata_lines(engine, v))
        yield ',"docRejdata":'
        yield from _sections_json(queries.lines(engine, v, ("itcRejected",)))
        cpsumm: dict[str, list[dict[str, Any]]] = {}
        for row in queries.counterparty_summary(engine, v):
            section = row.pop("section")
            row["supfildt"] = dmy(row["supfildt"].isoformat()) if row["supfildt"] else None
            cpsumm.setdefault(section, []).append(
                {**row, "trdnm": "", **{k: Paise(int(row[k])) for k in ("txval", *HEADS)}}
            )
        yield ',"cpsumm":' + dumps(cpsumm) + "}"

    yield b'{"data":'
    for part in data_parts():
        digest.update(part.encode())
        yield part.encode()
    table4 = _money_tree(v.summary["gstr3b"])
    yield (',"chksum":' + dumps(digest.hexdigest()) + ',"gstr3b_table4":' + dumps(table4) + "}").encode()


SHEET_COLUMNS = (
    "ctin",
    "inum",
    "ntnum",
    "boenum",
    "dt",
    "typ",
    "oinum",
    "ontnum",
    "val",
    "pos",
    "rev",
    "itcavl",
    "rsn",
    "txval",
    "igst",
    "cgst",
    "sgst",
    "cess",
    "imsactn",
    "remarks",
    "supprd",
    "supfildt",
)


def flat_rows(lines: Iterable[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(sheet name, row) per document, in sheet order, for CSV and XLSX."""
    for line in lines:
        label = SHEETS[line["section"]] + (" (Rejected)" if line["block"] == "itcRejected" else "")
        row = document(line) | {
            "ctin": line["supplier"],
            "supprd": line["supprd"],
            "supfildt": dmy(line["supfildt"].isoformat()) if line["supfildt"] else None,
        }
        row["dt"] = row.get("dt") or row.get("boedt")
        yield label, row


def summary_rows(v: queries.Version) -> Iterator[dict[str, Any]]:
    """The summary sheet: every block / bucket / leaf with its heads, then GSTR-3B table 4."""
    for block, buckets in v.summary["itcsumm"].items():
        for bucket, leaves in buckets.items():
            if not isinstance(leaves, dict):
                continue
            for leaf, heads in leaves.items():
                if isinstance(heads, dict):
                    yield {
                        "part": block,
                        "bucket": bucket,
                        "section": leaf,
                        **{h: Paise(heads[h]) for h in HEADS},
                    }
    for row, heads in v.summary["gstr3b"].items():
        yield {"part": "GSTR-3B", "bucket": "table 4", "section": row, **{h: Paise(heads[h]) for h in HEADS}}
