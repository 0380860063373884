"""GSTR-2B as CSV / XLSX: one sheet per `itcsumm` leaf (rejected documents on sheets of their own) and a summary
sheet, streamed like the JSON (services/gstr2b/output.py), the documents' amounts as the JSON lists them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import Engine

from services.common.gst.periods import dmy
from services.common.money_json import Paise
from services.gstr2b import queries
from services.gstr2b.domain.layout import BUCKETS, HEADS
from services.gstr2b.domain.records import REDUCTION, listed_in
from services.gstr2b.output import NOTE_LISTS, Line, docdata_lines, document, gstn_date

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


def all_lines(engine: Engine, v: queries.Version) -> Iterator[Line]:
    """Every document, sheet by sheet: available and not available per itcsumm leaf, then rejected."""
    yield from docdata_lines(engine, v, order="leaf")
    yield from queries.lines(engine, v, ("itcRejected",), order="leaf")


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
    *REDUCTION,
)


def _sheet_row(line: Line) -> dict[str, Any]:
    """A document's row of the CSV / XLSX sheets (one sheet per `itcsumm` leaf), amounts as listed."""
    section, number, day = line["section"], line["number"], gstn_date(line["doc_date"])
    row: dict[str, Any]
    if section in BUCKETS["imports"]:
        row = {"boenum": number, "dt": day}
    elif section in BUCKETS["isdsup"]:
        row = {}
    elif line["note_type"] is not None or listed_in(section) in NOTE_LISTS:
        row = {"ntnum": number, "dt": day, "typ": line["note_type"] or "C", "ontnum": line["orig_number"]}
    else:
        row = {"inum": number, "dt": day, "typ": line["inv_typ"], "oinum": line["orig_number"]}
    reduction = {key: value for key, value in document(line).items() if key in REDUCTION}
    return row | {
        "val": Paise(line["value"]),
        "pos": line["pos"],
        "rev": "Y" if line["rev"] else "N",
        "itcavl": line["itcavl"],
        "rsn": line["rsn"] or None,
        **{k: Paise(line[k]) for k in ("txval", *HEADS)},
        "imsactn": line["action"],
        "remarks": line["remarks"],
        "ctin": line["supplier"],
        "supprd": line["supprd"],
        "supfildt": dmy(line["supfildt"].isoformat()) if line["supfildt"] else None,
        **reduction,
    }


def flat_rows(lines: Iterable[Line]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(sheet name, row) per document, in sheet order, for CSV and XLSX."""
    for line in lines:
        label = SHEETS[line["section"]] + (" (Rejected)" if line["block"] == "itcRejected" else "")
        yield label, _sheet_row(line)


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
