"""GSTR-2B as the portal's workbook (`format=xlsx`) and as CSV, filled in from GSTN's JSON records
(services/gstr2b/output.py::document), so a cell never says other than the JSON (docs/rules.md §7.5).

The workbook is written in XlsxWriter's constant-memory mode, sheet by sheet and row by row: the Read me and
summary sheets come from the statement's summary; every document sheet's rows come, in the workbook's order,
from one pass over the statement's lines sorted by the database (`queries.lines`, order "sheet"). So a
statement of a million documents is written in bounded memory. The CSV is the same document rows in the same
order, one line each: the sheet's name, then GSTN's keys with the JSON's values.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from sqlalchemy import Engine

from services.api.downloads import Sheet, csv_stream, xlsx_file
from services.common.gst.periods import Period, parse_gstn_date
from services.common.gst.states import state_name
from services.common.money_json import Paise
from services.gstr2b import queries
from services.gstr2b.domain.layout import BLOCKS, HEADS
from services.gstr2b.domain.records import FLAT
from services.gstr2b.domain.summary_sheets import HEADERS, SUMMARY_SHEETS, SummarySheet
from services.gstr2b.domain.workbook import DOCUMENT_SHEETS, NOT_SHOWN, WORDS, Column, DocumentSheet, sheet_of
from services.gstr2b.output import Line, document, party, reversed_document
from services.registry.names import UNKNOWN, Names, names_of

TITLE = "Goods and Services Tax - GSTR-2B"
TEMPLATE = "The portal's GSTR-2B Excel, template v1.1"
# the workbook's columns by key, and the keys of GSTN's records it does not show
CSV_COLUMNS = ("sheet", *dict.fromkeys(c.key for s in DOCUMENT_SHEETS for c in s.columns), *sorted(NOT_SHOWN))


def placed(lines: Iterable[Line]) -> Iterator[tuple[DocumentSheet, dict[str, Any]]]:
    """Each line's sheet and its values by JSON key: its supplier group's and its record's as the JSON sends
    them (a Rule 37A reversal's without amounts), and a rejected document's IMS remarks."""
    for line in lines:
        sheet = sheet_of(line["block"], line["section"])
        record = reversed_document(line) if sheet.part == "itcrev" else document(line)
        values = {} if sheet.listed in FLAT else party(sheet.listed)(line)
        values.update(record)
        if sheet.part == "docRejdata":
            values["remarks"] = line["remarks"] or ""
        yield sheet, values


def sheet_lines(engine: Engine, v: queries.Version) -> Iterator[Line]:
    return queries.lines(engine, v, BLOCKS, order="sheet")


def csv_chunks(engine: Engine, v: queries.Version) -> Iterator[bytes]:
    rows = ({"sheet": sheet.name, **values} for sheet, values in placed(sheet_lines(engine, v)))
    return csv_stream(CSV_COLUMNS, rows)


def cell(column: Column, value: Any) -> Any:
    """What the sheet shows for a JSON value: a date as a date, a code as its words, a place of supply as its
    state's name, an amount as the number it is; an empty string as an empty cell."""
    if value is None or value == "":
        return None
    if column.kind == "date":
        return parse_gstn_date(value)
    if column.kind == "state":
        return state_name(value)
    if column.kind in WORDS:
        return WORDS[column.kind].get(value, value)
    return value


def workbook(engine: Engine, v: queries.Version) -> str:
    """The statement as the portal's GSTR-2B workbook, in a temporary file (its path)."""
    with engine.connect() as conn:
        names = names_of(conn, [v.recipient]).get(v.recipient, UNKNOWN)
    sheets = chain([read_me(v, names)], map(lambda s: summary(s, v), SUMMARY_SHEETS), documents(sheet_lines(engine, v)))
    return xlsx_file(sheets)


def read_me(v: queries.Version, names: Names) -> Sheet:
    period = Period.parse(v.period)
    about: list[list[Any]] = [
        [TITLE],
        [],
        ["Financial Year", period.fy_label],
        ["Tax Period", calendar.month_name[period.month]],
        ["GSTIN", v.recipient],
        ["Legal Name", names.legal],
        ["Trade Name (if any)", names.trade],
        ["Date of generation", v.gendt],
        ["Version", v.version],
        ["Layout", TEMPLATE],
        [],
    ]
    sheets = [*((s.name, s.description) for s in SUMMARY_SHEETS), *((s.name, s.description) for s in DOCUMENT_SHEETS)]
    rows = ({"sheet": name, "holds": holds} for name, holds in sheets)
    widths = {"sheet": 24, "holds": 90}
    return Sheet("Read me", ("sheet", "holds"), rows, headers=("Sheet", "What it holds"), widths=widths, title=about)


_SUMMARY_COLUMNS = ("number", "heading", "reference", *HEADS)


def summary(spec: SummarySheet, v: queries.Version) -> Sheet:
    block = v.summary["itcsumm"][spec.block]

    def rows() -> Iterator[dict[str, Any]]:
        for row in spec.rows():
            node = block
            for key in row.path:
                node = node[key]
            amounts = {head: Paise(int(node[head])) for head in HEADS} if row.path else {}
            yield {"number": row.number or None, "heading": row.heading, "reference": row.reference or None, **amounts}

    widths = {"number": 8, "heading": 70, "reference": 16, **dict.fromkeys(HEADS, 16)}
    title = [[TITLE], [spec.description], [], []]
    return Sheet(spec.name, _SUMMARY_COLUMNS, rows(), headers=HEADERS, widths=widths, title=title)


def documents(lines: Iterable[Line]) -> Iterator[Sheet]:
    """Every document sheet in the workbook's order, present when empty, each taking its rows from the one
    stream of lines (sorted by sheet). A line that came out of order would be lost, so it raises instead."""
    stream = placed(lines)
    head = next(stream, None)

    def rows(spec: DocumentSheet) -> Iterator[dict[str, Any]]:
        nonlocal head
        while head is not None and head[0] is spec:
            yield {column.key: cell(column, head[1].get(column.key)) for column in spec.columns}
            head = next(stream, None)

    for spec in DOCUMENT_SHEETS:
        yield Sheet(
            spec.name,
            tuple(c.key for c in spec.columns),
            rows(spec),
            headers=tuple(c.label for c in spec.columns),
            widths={c.key: c.width for c in spec.columns},
            title=[[TITLE], [spec.description], [], []],
            groups=tuple(c.group for c in spec.columns),
            number_formats={c.key: "0%" for c in spec.columns if c.kind == "percent"},
        )
    if head is not None:
        raise RuntimeError(f"GSTR-2B line on sheet {head[0].name} came after its sheet was written")
