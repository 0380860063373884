"""GSTR-2B in GSTN's JSON shape (services/gstr2b/domain/records.py), streamed (the workbook and CSV, filled in
from the same records: services/gstr2b/sheets.py).

`data` holds what GSTN's GSTR-2B API puts there and nothing else; our keys sit beside it, named in README
("Keys of ours"): `statement_version`, our regeneration counter (the `version` of `?version=` and of
`/versions`; GSTN's `data.version` is its schema version), and `gstr3b_table4`. `chksum` is the SHA-256 of
the `data` object's text exactly as sent. `docdata` and `docRejdata` group documents by supplier (`ctin`,
`supfildt`, `supprd`); the stream holds about 64 KB of text at a time, even within one supplier's group, so a
1,000,000-document statement (from one supplier or many) is sent in bounded memory.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from itertools import chain, groupby
from typing import Any

from sqlalchemy import Engine

from services.common.gst.periods import dmy
from services.common.money_json import Paise, dumps
from services.gstr2b import queries
from services.gstr2b.counting import DECLARED
from services.gstr2b.domain.layout import HEADS, block_buckets
from services.gstr2b.domain.pieces import PART_BLOCKS, Pieces
from services.gstr2b.domain.records import (
    AMENDED_IMPORTS,
    FLAT,
    RECORD,
    REDUCTION,
    REVERSED,
    ROWS,
    SCHEMA_VERSION,
    SUMMARY,
    isd_type,
    listed_in,
)

NOTE_LISTS = frozenset(section for section, rows in ROWS.items() if rows == "nt")
Line = dict[str, Any]


def gstn_itcsumm(summary: dict[str, Any]) -> dict[str, Any]:
    """`itcsumm` as GSTN sends it: each block's buckets and their leaves (`block_buckets`: no reverse-charge
    or ECO ones under Rule 37A's `itcrev`, which reverses neither, so they are zero). A block's own heads (its
    net ITC, docs/rules.md §7.1) are ours, not GSTN's: GSTR-3B table 4 beside `data` carries them."""
    return {
        block: {
            bucket: {k: v for k, v in summary[block][bucket].items() if k in HEADS or k in leaves}
            for bucket, leaves in block_buckets(block).items()
        }
        for block in summary
    }


def _money_tree(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: (Paise(v) if k in HEADS and isinstance(v, int) else _money_tree(v)) for k, v in node.items()}
    return node


def gstn_date(day: date | None) -> str:
    """GSTN's DD-MM-YYYY; a date the document does not carry is an empty string, as every key GSTN lists
    for a record is sent with GSTN's type (docs/rules.md §7.2)."""
    return f"{day.day:02d}-{day.month:02d}-{day.year:04d}" if day is not None else ""


def _values(line: Line, listed: str) -> dict[str, Any]:
    """Every value a record of the line's list may show, by GSTN's key; IRN details and the original invoice
    of an ISD document are not in what we are filed, so they are empty strings."""
    if listed in ("impg", "impgsez"):
        filed = gstn_date(line["supfildt"])  # a Bill of Entry is filed as of its reference date (§1.6)
        return {
            "refdt": filed,
            "recdt": filed,
            "portcode": line["port_code"] or "",
            "boenum": line["number"],
            "boedt": gstn_date(line["doc_date"]),
            "isamd": "Y" if line["section"] in AMENDED_IMPORTS else "N",
            "txval": Paise(line["txval"]),
            "igst": Paise(line["igst"]),
            "cess": Paise(line["cess"]),
        }
    heads = {head: Paise(line[head]) for head in HEADS}
    original = line["orig_number"] or ""
    if listed in ("isd", "isda"):
        doctyp = isd_type(line["note_type"])
        day = gstn_date(line["orig_date"])
        return {
            "doctyp": doctyp,
            "docnum": line["number"],
            "docdt": gstn_date(line["doc_date"]),
            "odoctyp": doctyp,
            "odocnum": original,
            "odocdt": day,
            "oinvnum": "",
            "oinvdt": "",
            **heads,
            "itcelg": line["itcavl"],
        }
    day = gstn_date(line["orig_date"])
    return {
        "inum": line["number"],
        "ntnum": line["number"],
        "typ": (line["note_type"] or "C") if listed in NOTE_LISTS else line["inv_typ"],
        "suptyp": line["inv_typ"],
        "dt": gstn_date(line["doc_date"]),
        "oinum": original,
        "oidt": day,
        "onttyp": line["note_type"] or "C",
        "ontnum": original,
        "ontdt": day,
        "val": Paise(line["value"]),
        "pos": line["pos"],
        "rev": "Y" if line["rev"] else "N",
        "itcavl": line["itcavl"],
        "rsn": line["rsn"] or "",
        "diffprcnt": float(line["diff_percent"] or 1),
        "txval": Paise(line["txval"]),
        **heads,
        "srctyp": "",
        "irn": "",
        "irngendate": "",
    }


def document(line: Line) -> dict[str, Any]:
    """One document as GSTN's GSTR-2B lists it in its section; amounts are what the line lists (the
    supplier's, or an amendment's difference), with the ITC-reduction answer beside them where it decided
    what the line counts (services/gstr2b/counting.py)."""
    listed = listed_in(line["section"])
    values = _values(line, listed)
    record = {key: values[key] for key in RECORD[listed]}
    if line["itc_red_req"]:
        record[REDUCTION[0]] = line["itc_red_req"]
        for key, column in zip(REDUCTION[1:], DECLARED.values(), strict=True):
            if line[column] is not None:
                record[key] = Paise(line[column])
    return record


def reversed_document(line: Line) -> dict[str, Any]:
    """A document of `docdata.itcrev`: GSTN lists it without amounts."""
    listed = listed_in(line["section"])
    values = _values(line, listed)
    return {key: values[key] for key in REVERSED[listed]}


def _sections_json(
    lines: Iterable[Line],
    record: Callable[[Line], dict[str, Any]] = document,
    after: Callable[[bool], Iterator[str]] | None = None,
) -> Iterator[str]:
    """`{"b2b":[{supplier group},...],"impg":[row,...],...}` built one supplier group at a time; `after`
    adds members at the end (told whether any member came before)."""
    yield "{"
    wrote = False
    for listed, in_list in groupby(lines, key=lambda line: listed_in(line["section"])):
        yield ("," if wrote else "") + dumps(listed) + ":["
        wrote = True
        if listed in FLAT:
            yield from _joined("", (dumps(record(line)) for line in in_list), "")
        else:
            for index, (head, group) in enumerate(groupby(in_list, key=party(listed))):
                opening = ("," if index else "") + dumps(head)[:-1] + "," + dumps(ROWS[listed])
                yield from _joined(opening + ":[", (dumps(record(line)) for line in group), "]}")
        yield "]"
    if after is not None:
        yield from after(wrote)
    yield "}"


def party(listed: str) -> Callable[[Line], dict[str, str]]:
    """The supplier group a line belongs to: an SEZ supplier of Bills of Entry, or a supplier's return."""
    if listed == "impgsez":
        return lambda line: {"ctin": line["supplier"], "trdnm": line["trdnm"]}
    return lambda line: {
        "ctin": line["supplier"],
        "trdnm": line["trdnm"],  # from the registry of taxpayer names (docs/rules.md §8.5); "" when unknown
        "supfildt": gstn_date(line["supfildt"]),
        "supprd": line["supprd"],
    }


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


def _reversals(lines: Iterator[Line]) -> Callable[[bool], Iterator[str]]:
    """`"itcrev":[...]`, one element per reversed supplier return (supplier and its period: what one Rule 37A
    report reverses), or nothing when the statement reverses nothing."""

    def member(after_others: bool) -> Iterator[str]:
        first = next(lines, None)
        if first is None:
            return
        yield ("," if after_others else "") + '"itcrev":['
        elements = groupby(chain([first], lines), key=lambda line: (line["supplier"], line["supprd"]))
        for index, (_, element) in enumerate(elements):
            yield "," if index else ""
            yield from _sections_json(element, reversed_document)
        yield "]"

    return member


def docdata_lines(engine: Engine, v: queries.Version, window: tuple[int, int] | None = None) -> Iterator[Line]:
    """ITC available and not-available documents together (`itcavl` Y/N), in the order of the lists they are
    in (`window`: only those of a file piece)."""
    return queries.lines(engine, v, PART_BLOCKS["docdata"], order="docdata", window=window)


def pieces_of(engine: Engine, v: queries.Version, size: int) -> Pieces:
    """The statement's file pieces of `size` documents (docs/rules.md §7.6)."""
    return Pieces.of(queries.block_counts(engine, v), size)


def _summary_row(row: dict[str, Any]) -> dict[str, Any]:
    values = {
        "ctin": row["ctin"],
        "trdnm": row["trdnm"],
        "supfildt": gstn_date(row["supfildt"]),
        "supprd": row["supprd"],
        "nttyp": row["note_type"] or "",
        "doctyp": isd_type(row["note_type"]),
        "portcode": row["portcode"] or "",
        "ttldocs": int(row["ttldocs"]),
        **{k: Paise(int(row[k])) for k in ("txval", *HEADS)},
    }
    return {key: values[key] for key in SUMMARY[row["section"]]}


def counterparty_summary(engine: Engine, v: queries.Version, block: str) -> dict[str, Any]:
    """`cpsumm` (block `itcavl`) or `cpSummRej` (`itcRejected`): a row per supplier and section."""
    summary: dict[str, Any] = {}
    for row in queries.counterparty_summary(engine, v, block):
        summary.setdefault(row["section"], []).append(_summary_row(row))
    return summary


def reversal_summary(engine: Engine, v: queries.Version) -> list[dict[str, Any]]:
    """`cpsumm.itcrev`: per reversed supplier return, its row of each section."""
    elements: dict[tuple[str, str], dict[str, Any]] = {}
    for row in queries.counterparty_summary(engine, v, "itcrev"):
        elements.setdefault((row["ctin"], row["supprd"]), {})[row["section"]] = _summary_row(row)
    return [elements[key] for key in sorted(elements)]


def json_stream(engine: Engine, v: queries.Version, pieces: Pieces, number: int | None = None) -> Iterator[bytes]:
    """The statement in one body, or its file piece `number` (docs/rules.md §7.6): the header and `itcsumm`,
    that piece's documents, and the counterparty summaries in the one body and in piece 1 only. Beside `data`,
    `fc` says how many pieces the statement has."""
    digest = hashlib.sha256()
    windows = pieces.windows(number) if number is not None else {}

    def data_parts() -> Iterator[str]:
        header = {
            "gstin": v.recipient,
            "rtnprd": v.period,
            "version": SCHEMA_VERSION,
            "gendt": dmy(v.gendt.isoformat()),
            "itcsumm": _money_tree(gstn_itcsumm(v.summary["itcsumm"])),
        }
        yield dumps(header)[:-1] + ',"docdata":'
        reversed_ = queries.lines(engine, v, ("itcrev",), order="supplier", window=windows.get("itcrev"))
        yield from _sections_json(docdata_lines(engine, v, windows.get("docdata")), after=_reversals(reversed_))
        yield ',"docRejdata":'
        yield from _sections_json(queries.lines(engine, v, ("itcRejected",), window=windows.get("docRejdata")))
        cpsumm: dict[str, Any] = {}
        rejected: dict[str, Any] = {}
        if number in (None, 1):
            cpsumm = counterparty_summary(engine, v, "itcavl")
            if reversal := reversal_summary(engine, v):
                cpsumm["itcrev"] = reversal
            rejected = counterparty_summary(engine, v, "itcRejected")
        yield ',"cpsumm":' + dumps(cpsumm) + ',"cpSummRej":' + dumps(rejected) + "}"

    yield b'{"data":'
    for part in data_parts():
        digest.update(part.encode())
        yield part.encode()
    ours = {"statement_version": v.version, "gstr3b_table4": _money_tree(v.summary["gstr3b"]), "fc": pieces.count}
    yield (',"chksum":' + dumps(digest.hexdigest()) + "," + dumps(ours)[1:]).encode()
