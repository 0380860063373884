"""The reconciliation page's values: the API's own reconciliation (services/recon/views.py `reconciled`, the
summary of services/recon/domain/summary.py) laid out for an accountant, books beside the supplier. Pure: the
route reads, this only shapes; links come from a function the route passes in.

A difference is flagged twice, never by colour alone: the cell's `differs` class and a text a screen reader
says ("differs"). A row left alone carries its nearest candidates' sentences ("why not matched").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from services.common.gst.sections import SECTION_BY_KEY
from services.recon.domain.documents import BookDoc, ImsDoc
from services.recon.domain.reconcile import Outcome
from services.recon.domain.suggest import CATEGORIES, LABELS
from services.web import formats
from services.web.viewmodels import DOCUMENT_TYPES, STATUS_LABELS, Cell

Link = Callable[..., str]

CATEGORY_LABELS = {
    "exact": "Exact match",
    "suggested": "Suggested match",
    "mismatch": "Mismatch",
    "manual": "Linked by hand",
    "only_in_ims": "Only in IMS",
    "only_in_books": "Only in books",
    "later_period": "Later period",
}
assert tuple(CATEGORY_LABELS) == CATEGORIES
SUGGESTION_LABELS = {"A": "Accept", "R": "Reject", "P": "Keep pending", "N": "No action"}
_AMOUNT = re.compile(r"₹(\d+)\.(\d\d)\b")
_TAX_FIELDS = frozenset(("igst", "cgst", "sgst", "cess", "tax"))
FIELD_LABELS = LABELS | {"ctin": "supplier GSTIN", "number": "number", "dt": "date", "pos": "place of supply",
                         "rev": "reverse charge"}  # fmt: skip


def rule_label(rule: str) -> str:
    """A rule's name as words: "pan_level_suggested_number" -> "PAN level: suggested number"."""
    if rule.startswith("pan_level_"):
        return "PAN level: " + _words(rule.removeprefix("pan_level_"))
    return _words(rule).capitalize()


def _words(name: str) -> str:
    return name.replace("_", " ").replace("number amounts", "number and amounts")


@dataclass(frozen=True, slots=True)
class CategoryLine:
    key: str
    label: str
    count: Cell
    taxable_difference: str
    tax_difference: str


@dataclass(frozen=True, slots=True)
class SupplierLine:
    ctin: str
    name: str
    counts: tuple[Cell, ...]  # one per category, in CATEGORIES order
    total: Cell
    taxable_difference: str
    tax_difference: str
    actioned: str  # percent of its IMS documents with an action


def category_lines(found: Mapping[str, Mapping[str, int]], link: Link) -> tuple[CategoryLine, ...]:
    """The summary per category (every category, zeros too), each count a link to its rows."""
    return tuple(
        CategoryLine(
            key,
            CATEGORY_LABELS[key],
            Cell(int(found[key]["count"]), link(category=key), f"{CATEGORY_LABELS[key]}: show the rows"),
            formats.rupees(int(found[key]["taxable_difference"])),
            formats.rupees(int(found[key]["tax_difference"])),
        )
        for key in CATEGORIES
    )


def supplier_lines(
    found: Iterable[Mapping[str, object]], names: Mapping[str, str], link: Link
) -> tuple[SupplierLine, ...]:
    """The summary per supplier (its trade name beside its GSTIN), each count a link to that supplier's rows."""
    lines = []
    for row in found:
        ctin, counts = str(row["ctin"]), row["counts"]
        assert isinstance(counts, Mapping)
        who = names.get(ctin) or ctin or "no supplier GSTIN"
        cells = tuple(
            Cell(int(counts[c]), link(supplier=ctin, category=c), f"{who}: {CATEGORY_LABELS[c]}") for c in CATEGORIES
        )
        total = Cell(sum(c.n for c in cells), link(supplier=ctin), f"{who}: every row")
        lines.append(
            SupplierLine(
                ctin,
                names.get(ctin, ""),
                cells,
                total,
                formats.rupees(int(str(row["taxable_difference"]))),
                formats.rupees(int(str(row["tax_difference"]))),
                str(row["actioned_percent"]),
            )
        )
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a row as the table shows it ("" where the side is absent)."""

    ident: str  # the voucher id, or the IMS document's type
    number: str
    date: str
    taxable: str
    tax: str
    pos: str


_NO_SIDE = Side("", "", "", "", "", "")


def _book_side(book: BookDoc | None) -> Side:
    if book is None:
        return _NO_SIDE
    return Side(
        book.voucher_id,
        book.number,
        formats.day(book.dt.isoformat()),
        formats.rupees(book.amounts.txval, symbol=False),
        formats.rupees(book.amounts.tax, symbol=False),
        book.pos,
    )


def _ims_side(doc: ImsDoc | None) -> Side:
    if doc is None:
        return _NO_SIDE
    return Side(
        DOCUMENT_TYPES.get(doc.section, doc.section),
        doc.number,
        formats.day(doc.dt.isoformat()),
        formats.rupees(doc.amounts.txval, symbol=False),
        formats.rupees(doc.amounts.tax, symbol=False),
        doc.pos,
    )


@dataclass(frozen=True, slots=True)
class Difference:
    field: str
    books: str
    supplier: str
    delta: str  # books minus supplier ("" for a field without one)


@dataclass(frozen=True, slots=True)
class Candidate:
    ident: str  # as shown: a document's number and supplier, or a voucher id
    rule: str
    why: str
    key: str  # the engine's id: GETINV's doc_id for a document, a link names it


@dataclass(frozen=True, slots=True)
class DetailRow:
    key: str  # unique on the page, for ids
    category: str
    category_label: str
    rule: str
    ctin: str
    supplier_name: str
    section: str
    books: Side
    supplier: Side
    differs: frozenset[str]  # "number", "date", "taxable", "tax", "pos": the cells to flag
    action: str  # the current action, "" without an IMS document
    suggested: str
    reason: str
    remark: str
    differences: tuple[Difference, ...]
    nearest: tuple[Candidate, ...]

    @property
    def unmatched(self) -> bool:
        return self.books == _NO_SIDE or self.supplier == _NO_SIDE

    @property
    def linkable(self) -> bool:
        """A voucher with no IMS document beside it: it may be linked by hand to one of IMS."""
        return self.supplier == _NO_SIDE and self.books != _NO_SIDE

    @property
    def linked_by_hand(self) -> bool:
        return self.category == "manual"


def _shown(field: str, value: object) -> str:
    if field in LABELS and isinstance(value, int):
        return formats.rupees(value)
    if field == "dt":
        return formats.day(str(value))
    return str(value)


def _delta(field: str, delta: int | None) -> str:
    if delta is None:
        return ""
    if field == "dt":
        return f"{delta:+d} day{'' if abs(delta) == 1 else 's'}"
    return formats.rupees(delta)


def _cells(outcome: Outcome) -> frozenset[str]:
    fields = {d.field for d in outcome.differences}
    cells = {"number" if "number" in fields else "", "date" if "dt" in fields else "", "pos" if "pos" in fields else ""}
    cells |= {"taxable" if "txval" in fields else "", "tax" if fields & _TAX_FIELDS else ""}
    return frozenset(cells - {""})


def grouped(sentence: str) -> str:
    """The engine's sentence with its amounts in Indian grouping (₹12338678.00 -> ₹1,23,38,678.00), as the
    rest of the page writes them; the words are the engine's own."""
    return _AMOUNT.sub(lambda m: formats.rupees(int(m.group(1)) * 100 + int(m.group(2))), sentence)


def candidate_name(ident: str) -> str:
    """An IMS document key names its number (section|supplier|...|number); a voucher id is shown as it is."""
    parts = ident.split("|")
    return f"{parts[3]} ({parts[1]})" if len(parts) > 3 and parts[0] in SECTION_BY_KEY else ident


def detail_row(index: int, outcome: Outcome, names: Mapping[str, str]) -> DetailRow:
    doc, book, s = outcome.ims, outcome.book, outcome.suggestion
    ctin = doc.ctin if doc is not None else book.ctin if book is not None else ""
    action = STATUS_LABELS.get(doc.action, doc.action) if doc is not None else ""
    return DetailRow(
        key=f"r{index}",
        category=outcome.category,
        category_label=CATEGORY_LABELS[outcome.category],
        rule=rule_label(outcome.rule),
        ctin=ctin,
        supplier_name=names.get(ctin, ""),
        section=doc.section if doc is not None else "",
        books=_book_side(book),
        supplier=_ims_side(doc),
        differs=_cells(outcome),
        action=action,
        suggested=SUGGESTION_LABELS.get(s.action, s.action),
        reason=s.reason,
        remark=s.remark,
        differences=tuple(
            Difference(
                FIELD_LABELS.get(d.field, d.field),
                _shown(d.field, d.books),
                _shown(d.field, d.supplier),
                _delta(d.field, d.delta),
            )
            for d in outcome.differences
        ),
        nearest=tuple(
            Candidate(candidate_name(n.ident), rule_label(n.rule), grouped(n.why), n.ident) for n in outcome.nearest
        ),
    )


def detail_rows(outcomes: Sequence[Outcome], names: Mapping[str, str], first: int = 0) -> tuple[DetailRow, ...]:
    return tuple(detail_row(first + n, o, names) for n, o in enumerate(outcomes))


def suppliers_of(outcomes: Iterable[Outcome]) -> set[str]:
    return {d.ctin for o in outcomes for d in (o.book, o.ims) if d is not None and d.ctin}
