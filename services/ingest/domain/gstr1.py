"""Read a supplier's return (GSTR-1, IFF, GSTR-1A, GSTR-5, GSTR-6) into per-document results.

API:

- ``validate_return_header(payload) -> (filer Gstin, Period)``: raises ``ReturnRejected``.
- ``read_return(payload, source_form) -> ReturnContents``: one ``Entry`` per document row, in
  table order (b2b, b2ba, cdnr, cdnra, ecom.b2b, ecom.urp2b, ecoma.b2ba, ecoma.urp2ba, isd, isda),
  each holding a ``Document`` or its Problems plus a ``Locator`` for the error report.

The whole return is rejected (``ReturnRejected``) only when it is not a return at all: bad
header, unknown source form, or a table / party entry / row of the wrong JSON shape. Anything
wrong inside a row refuses that row alone. Tables not reaching IMS (b2cs, b2cl, exp, hsn, nil,
doc_issue, ...) are ignored.

Duplicates: within one return, a document number repeating case-insensitively for the same
supplier, financial year of the document date and series (invoices vs notes, originals vs
amendments) refuses the second and later rows with DUPLICATE_NUMBER. Only rows that are
otherwise valid take part.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from services.common.gst.gstin import Gstin, InvalidGstin, parse_gstin
from services.common.gst.periods import MONTHLY_FORMS, QUARTERLY_FORMS, Period, financial_year_of, fy_label_of
from services.common.gst.sections import section
from services.common.quoting import shown
from services.ingest.domain.documents import Document
from services.ingest.domain.problems import Problem, problem
from services.ingest.domain.validation import (
    ECO_TABLES,
    DocContext,
    validate_invoice,
    validate_isd,
    validate_note,
)

Validator = Callable[[Mapping[str, object], DocContext], Document | list[Problem]]


class ReturnRejected(ValueError):
    """The payload is not a return this system can read; nothing in it is taken."""


@dataclass(frozen=True, slots=True)
class Locator:
    """Where a row sits in the return, for the filer's error report."""

    table: str  # e.g. "b2b", "cdnr", "ecom.b2b", "isd"
    party_field: str  # "ctin", "stin" (table 15 with a registered supplier) or "rtin"
    party: str  # that field's value as reported ("" when absent)
    number_field: str  # "inum", "nt_num" or "docnum"
    number: str  # as reported ("" when absent)


@dataclass(frozen=True, slots=True)
class Entry:
    """One document row: its Document, or the Problems that refused it."""

    locator: Locator
    document: Document | None
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class ReturnContents:
    filer: Gstin
    period: Period
    source_form: str
    entries: tuple[Entry, ...]

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(entry.document for entry in self.entries if entry.document is not None)

    @property
    def refused(self) -> tuple[Entry, ...]:
        return tuple(entry for entry in self.entries if entry.problems)


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    path: tuple[str, ...]
    party_field: str
    rows_key: str
    number_field: str
    validate: Validator


TABLES: tuple[Table, ...] = (
    Table("b2b", ("b2b",), "ctin", "inv", "inum", validate_invoice),
    Table("b2ba", ("b2ba",), "ctin", "inv", "inum", validate_invoice),
    Table("cdnr", ("cdnr",), "ctin", "nt", "nt_num", validate_note),
    Table("cdnra", ("cdnra",), "ctin", "nt", "nt_num", validate_note),
    Table("ecom.b2b", ("ecom", "b2b"), "stin", "inv", "inum", validate_invoice),
    Table("ecom.urp2b", ("ecom", "urp2b"), "rtin", "inv", "inum", validate_invoice),
    Table("ecoma.b2ba", ("ecoma", "b2ba"), "stin", "inv", "inum", validate_invoice),
    Table("ecoma.urp2ba", ("ecoma", "urp2ba"), "rtin", "inv", "inum", validate_invoice),
    Table("isd", ("isd",), "ctin", "doclst", "docnum", validate_isd),
    Table("isda", ("isda",), "ctin", "doclst", "docnum", validate_isd),
)


def validate_return_header(payload: object) -> tuple[Gstin, Period]:
    """The filer's GSTIN and the return period (``fp``), or ReturnRejected saying what is wrong."""
    if not isinstance(payload, Mapping):
        raise ReturnRejected(f"a return must be a JSON object, got {type(payload).__name__}")
    if payload.get("gstin") is None:
        raise ReturnRejected("gstin: the filer's GSTIN is required")
    try:
        filer = parse_gstin(payload["gstin"])
    except InvalidGstin as exc:
        raise ReturnRejected(f"gstin: {exc}") from None
    fp = payload.get("fp")
    if fp is None:
        raise ReturnRejected("fp: the return period (MMYYYY) is required")
    if not isinstance(fp, str):
        raise ReturnRejected(f"fp: the return period must be MMYYYY text, got {shown(fp)}")
    try:
        return filer, Period.parse(fp)
    except ValueError as exc:
        raise ReturnRejected(f"fp: {exc}") from None


class ReturnReader:
    """Validates the rows of one return one at a time, in the order they are read, refusing a number that
    repeats within the return; shared by the whole-payload read and the streamed read of large bodies."""

    def __init__(self, filer: Gstin, period: Period, source_form: str):
        if source_form not in MONTHLY_FORMS | QUARTERLY_FORMS:
            raise ReturnRejected(f"unknown source form {source_form!r}")
        if source_form == "IFF" and period.month % 3 == 0:
            raise ReturnRejected(
                f"fp: an IFF covers only the first two months of a quarter; {period.mmyyyy} ends a quarter, "
                "whose invoices go in the quarterly GSTR-1"
            )
        self.filer, self.period, self.source_form = filer, period, source_form
        self._seen: set[str] = set()

    def party(self, table: Table, party: Mapping[str, object]) -> tuple[DocContext, str]:
        """The context every row of one party entry shares, and the party as reported (for errors)."""
        eco = table.name in ECO_TABLES
        ctx = DocContext(
            supplier=self.filer,
            recipient=party.get("rtin" if eco else "ctin"),
            return_period=self.period,
            source_form=self.source_form,
            table=table.name,
            ecom_operator=self.filer.value if eco else None,
            stin=party.get("stin") if table.party_field == "stin" else None,
        )
        return ctx, _text(party.get(table.party_field))

    def entry(self, table: Table, ctx: DocContext, party: str, row: Mapping[str, object]) -> Entry:
        entry = self.validate(table, ctx, party, row)
        if entry.document is None:
            return entry
        key = series_key(entry.document)
        if key in self._seen:
            return Entry(entry.locator, None, (duplicate_problem(entry.document, entry.locator.number_field),))
        self._seen.add(key)
        return entry

    @staticmethod
    def validate(table: Table, ctx: DocContext, party: str, row: Mapping[str, object]) -> Entry:
        """The row on its own (no duplicate check): what a worker process can decide."""
        locator = Locator(table.name, table.party_field, party, table.number_field, _text(row.get(table.number_field)))
        result = table.validate(row, ctx)
        if isinstance(result, list):
            return Entry(locator, None, tuple(result))
        return Entry(locator, result)


def read_return(payload: object, source_form: str) -> ReturnContents:
    """Validate every document row of a return; see the module docstring for the guarantees."""
    filer, period = validate_return_header(payload)
    reader = ReturnReader(filer, period, source_form)
    assert isinstance(payload, Mapping)  # checked by validate_return_header
    entries: list[Entry] = []
    for table in TABLES:
        for index, party in enumerate(_table_rows(payload, table.path)):
            where = f"{table.name}[{index}]"
            if not isinstance(party, Mapping):
                raise ReturnRejected(f"{where}: must be an object")
            rows = party.get(table.rows_key)
            if not isinstance(rows, list):
                raise ReturnRejected(f"{where}.{table.rows_key}: must be a list")
            ctx, party_value = reader.party(table, party)
            for row_index, row in enumerate(rows):
                if not isinstance(row, Mapping):
                    raise ReturnRejected(f"{where}.{table.rows_key}[{row_index}]: must be an object")
                entries.append(reader.entry(table, ctx, party_value, row))
    return ReturnContents(filer, period, source_form, tuple(entries))


def _table_rows(payload: Mapping[str, object], path: tuple[str, ...]) -> list[object]:
    node: object = payload
    for depth, key in enumerate(path):
        if not isinstance(node, Mapping):
            raise ReturnRejected(f"{'.'.join(path[:depth])}: must be an object")
        node = node.get(key)
        if node is None:
            return []
    if not isinstance(node, list):
        raise ReturnRejected(f"{'.'.join(path)}: must be a list")
    return node


def series_key(doc: Document) -> str:
    """Compact (a 1,000,000-row return keeps one per row): supplier, financial year, series, NUMBER."""
    kind = section(doc.section)
    return f"{doc.supplier}{financial_year_of(doc.doc_date)}{kind.is_note:d}{kind.is_amendment:d}{doc.number.upper()}"


def duplicate_problem(doc: Document, number_field: str) -> Problem:
    return repeated_number(doc.section, doc.number, doc.supplier, doc.doc_date, number_field)


def repeated_number(section_key: str, number: str, supplier: str, doc_date: date, number_field: str) -> Problem:
    kind = section(section_key)
    series = ("note" if kind.is_note else "document") + (" amendment" if kind.is_amendment else "")
    return problem(
        number_field,
        "DUPLICATE_NUMBER",
        f"{number} repeats an earlier {series} number of supplier {supplier} "
        f"in FY {fy_label_of(doc_date)} (numbers are case-insensitive)",
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)
