"""The native fast path of row checking (services/ingest/native/fastrows.c) and the party entries it serves.

The C module takes a row only when it can prove the Python rules accept it, and builds for it exactly the
`Checked` that `checking.checked` builds (Avro item and version hash included); every other row goes
through Python, which decides and explains. The module is optional: where it was not built (no C
compiler) or `Settings.native_rows` is off, every row goes through Python, with the same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from services.common.gst.gstin import Gstin
from services.common.gst.periods import gstr2b_period
from services.common.gst.sections import section, section_for
from services.ingest.checking import TABLE_RANK, CheckContext, Checked, reader_of
from services.ingest.domain.gstr1 import TABLES, Table
from services.ingest.domain.rules import parse_gstin_field
from services.ingest.domain.validation import AMENDMENT_TABLES, ECO_SUPPLIER_TABLES, ECO_TABLES, validate_note
from services.ingest.numbers import series_of

try:
    from services.ingest import _fastrows as _native  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - a machine without a C compiler
    _native = None

ABI = 2  # 2: the Avro item is a DocumentsFiled v2 FiledDocument (sez_supplier after deleted)
# the invoice and note tables; GSTR-6 (isd, isda) rows have a shape of their own and go through Python
NATIVE_TABLES = frozenset({"b2b", "b2ba", "cdnr", "cdnra", "ecom.b2b", "ecom.urp2b", "ecoma.b2ba", "ecoma.urp2ba"})
_BY_NAME = {table.name: table for table in TABLES}
if _native is not None:
    if _native.ABI == ABI and len(Checked._fields) == _native.CHECKED_FIELDS:
        _native.configure(Checked)
    else:  # pragma: no cover - a stale build; `make install` rebuilds it
        _native = None

Scan = Callable[[str, int, Any], tuple[list[Checked], int, bool]]


@dataclass(frozen=True, slots=True)
class NativeContext:
    """What the C module knows of one party entry; `arguments()` gives the fields in the order `context` in
    fastrows.c parses them (tests/unit/test_native_context.py holds the two against each other)."""

    table: str
    party_field: str
    party: str  # the party's GSTIN as reported
    number_field: str
    rank: int  # the table's place in a return
    note: bool
    amendment: bool
    eco: bool
    sections: tuple[str, str]  # invoice or credit note, debit note
    orig_sections: tuple[str | None, ...]  # the pair of sections amended, for an amendment table
    supplier: str
    recipient: str
    ecom_operator: str | None
    source_form: str
    return_period: str  # MMYYYY
    period_last: int  # yyyymmdd
    filed_on: int  # yyyymmdd; 0 while saved
    gstr2b_period: str | None
    claim_series: str

    def arguments(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


def available() -> bool:
    return _native is not None


def describe() -> str:
    """For reports: whether the fast path is built and which SHA-256 it uses."""
    if _native is None:
        return "not built (every row through the Python rules)"
    return "built, SHA-256 from " + ("libcrypto" if _native.libcrypto() else "its own implementation")


class FastRows:
    """Native contexts for the party entries of one filing; `scan` checks the rows of one entry's array."""

    def __init__(self, context: CheckContext):
        assert _native is not None, "the native module is not built"
        self.scan: Scan = _native.scan
        self._reader = reader_of(context)
        self._context = context
        self._gstr2b = (
            gstr2b_period(context.source_form, context.filed_on, context.quarterly_filer).mmyyyy
            if context.filed_on is not None
            else None
        )

    def context(self, table: Table, party: Mapping[str, object]) -> Any | None:
        """The native context of a party entry, or None when its rows must go through Python (a table the
        C module does not read, or a party whose GSTINs the rules refuse: Python explains per row)."""
        if table.name not in NATIVE_TABLES:
            return None
        ctx, party_text = self._reader.party(table, party)  # type: ignore[arg-type]
        supplier = parse_gstin_field(ctx.stin, "stin") if table.name in ECO_SUPPLIER_TABLES else ctx.supplier
        recipient = parse_gstin_field(ctx.recipient, ctx.recipient_field)
        if not isinstance(supplier, Gstin) or not isinstance(recipient, Gstin) or recipient == supplier:
            return None
        note = table.validate is validate_note
        amendment = table.name in AMENDMENT_TABLES
        if note:
            sections = (section_for(table.name, "C"), section_for(table.name, "D"))
        else:
            sections = (section_for(table.name, None),) * 2
        originals = tuple(section(key).original_key for key in sections) if amendment else (None, None)
        period = ctx.return_period
        native = NativeContext(
            table=table.name,
            party_field=table.party_field,
            party=party_text,
            number_field=table.number_field,
            rank=TABLE_RANK[table.name],
            note=note,
            amendment=amendment,
            eco=table.name in ECO_TABLES,
            sections=sections,
            orig_sections=originals,
            supplier=supplier.value,
            recipient=recipient.value,
            ecom_operator=ctx.ecom_operator,
            source_form=ctx.source_form,
            return_period=period.mmyyyy,
            period_last=_yyyymmdd(period.last_day),
            filed_on=_yyyymmdd(self._context.filed_on),
            gstr2b_period=self._gstr2b,
            claim_series=series_of(sections[0]),
        )
        assert _native is not None
        return _native.context(*native.arguments())


def check_text(context: CheckContext, table: str, party: Mapping[str, object], row_text: str) -> Checked | None:
    """The native answer for one row on its own: None when it declines (tests compare it with Python's)."""
    native = FastRows(context).context(_BY_NAME[table], party)
    if native is None:
        return None
    assert _native is not None
    found: Checked | None = _native.check(row_text, native)
    return found


def _yyyymmdd(day: date | None) -> int:
    return 0 if day is None else day.year * 10000 + day.month * 100 + day.day
