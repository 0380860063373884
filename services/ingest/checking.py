"""Rows of a filing checked into what the filing transaction needs, in this process or a worker process.

Validation, classification, the version hash and the Avro encoding of each accepted document are pure
and per row, so they run in a pool of worker processes for large returns (the main process keeps the
JSON walk, the duplicate checks that need the whole request, the number claims and the broker). What
travels back is a flat tuple per row: the encoded document and the few fields the main process needs.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from services.common.codec import Codec
from services.common.events import DocumentsFiledV2
from services.common.gst.gstin import parse_gstin
from services.common.gst.periods import Period, financial_year_of
from services.common.jsonstream import DECODER
from services.ingest.domain.gstr1 import TABLES, Entry, Locator, ReturnReader, series_key
from services.ingest.domain.problems import Problem
from services.ingest.domain.taxes import value_warnings
from services.ingest.numbers import series
from services.ingest.records import document_record

EVENT, FIELD = DocumentsFiledV2, "documents"  # the event whose array items are encoded here, one by one
TABLE_RANK = {table.name: rank for rank, table in enumerate(TABLES)}
_BY_NAME = {table.name: table for table in TABLES}

RawRow = tuple[str, dict[str, Any], "Mapping[str, object] | str | Checked"]  # table, party, row (text or checked)


class Checked(NamedTuple):
    """Built by keyword here; the C fast path allocates it as a tuple in this field order (fastrows.c `build`),
    and tests/unit/test_fastrows.py compares the two field by field."""

    table: str
    party_field: str
    party: str
    number_field: str
    reported_number: str
    problems: tuple[Problem, ...]  # empty when the document is accepted
    recipient: str = ""
    section: str = ""
    supplier: str = ""
    number: str = ""
    doc_date: str = ""  # ISO
    series: str = ""  # the within-return duplicate key ("" when the request has none)
    claim: tuple[str, int, str, str] | None = None  # supplier, FY, number series, NUMBER
    rank: int = 0  # the table's place in a return, which orders a recipient's documents
    item: bytes = b""  # the FiledDocument, Avro
    deleted: bool = False  # a "flag": "D" row: its number is released if no filed return claimed it
    warnings: tuple[Problem, ...] = ()  # doubts about an accepted document (the fast path takes none such)

    @property
    def locator(self) -> Locator:
        return Locator(self.table, self.party_field, self.party, self.number_field, self.reported_number)


@dataclass(frozen=True, slots=True)
class CheckContext:
    filer: str
    period: str
    source_form: str
    filed_on: date | None
    quarterly_filer: bool


def checked(entry: Entry, filed_on: date | None, quarterly_filer: bool, codec: Codec, within_return: bool) -> Checked:
    where = entry.locator
    doc = entry.document
    if doc is None:
        return Checked(
            table=where.table,
            party_field=where.party_field,
            party=where.party,
            number_field=where.number_field,
            reported_number=where.number,
            problems=entry.problems,
        )
    record = document_record(doc, filed_on, quarterly_filer)
    return Checked(
        table=where.table,
        party_field=where.party_field,
        party=where.party,
        number_field=where.number_field,
        reported_number=where.number,
        problems=(),
        recipient=doc.recipient,
        section=doc.section,
        supplier=doc.supplier,
        number=doc.number,
        doc_date=doc.doc_date.isoformat(),
        series=series_key(doc) if within_return else "",
        claim=(doc.supplier, financial_year_of(doc.doc_date), series(doc), doc.number.upper()),
        rank=TABLE_RANK.get(where.table, 0),
        item=codec.array_item(EVENT, FIELD, record),
        deleted=doc.deleted,
        warnings=value_warnings(doc),
    )


def check_rows(context: CheckContext, rows: list[RawRow]) -> list[Checked]:
    """One batch of a return's rows, in order (the worker processes' entry point)."""
    reader = reader_of(context)
    codec = _codec()
    out: list[Checked] = []
    last: tuple[dict[str, Any], Any, str] | None = None  # rows of one party entry come together
    for name, party, row in rows:
        if isinstance(row, Checked):  # taken by the native fast path while the return was read
            out.append(row)
            continue
        table = _BY_NAME[name]
        if last is None or last[0] is not party:
            last = (party, *reader.party(table, party))
        raw = DECODER.decode(row) if isinstance(row, str) else row
        entry = reader.validate(table, last[1], last[2], raw)
        out.append(checked(entry, context.filed_on, context.quarterly_filer, codec, True))
    return out


def reader_of(context: CheckContext) -> ReturnReader:
    return _reader(context.filer, context.period, context.source_form)


@functools.lru_cache(maxsize=8)
def _reader(filer: str, period: str, source_form: str) -> ReturnReader:
    return ReturnReader(parse_gstin(filer), Period.parse(period), source_form)


@functools.lru_cache(maxsize=1)
def _codec() -> Codec:
    return Codec.from_directories()
