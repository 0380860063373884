"""What each page shows, as plain values built from the read model's answers: no I/O, no HTML.

The routes fetch (GETCNT's counts, GETINV's documents, a REQSTS answer) and hand the result here; the
templates only lay these values out. Links are built by a function the route passes in, so these stay pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.actions.domain.deadlines import DEEMED_ACCEPTANCE, LIMIT_16_4, PENDING_WINDOW
from services.actions.domain.deadlines import KINDS as DEADLINE_KINDS
from services.actions.domain.model import ACTION_NAMES, ImsDocument
from services.actions.domain.pending import reduction_applies
from services.common.gst.remarks import MAX_REMARKS
from services.common.gst.sections import GROUPS, SECTION_BY_KEY, SECTIONS, Section
from services.web import formats

Link = Callable[..., str]

TABS = {"all_oth": "All Other ITC", "inv_supp_isd": "Inward Supplies from ISD", "imp_gds": "Import of Goods"}
STATUS_LABELS = {"N": "No Action", "A": "Accepted", "R": "Rejected", "P": "Pending"}
ACTION_VERBS = {"A": "Accept", "R": "Reject", "P": "Keep pending", "N": "Reset to No Action"}
SOURCE_FORMS = {"R1": "GSTR-1", "R1A": "GSTR-1A", "IFF": "IFF", "R5": "GSTR-5", "R6": "GSTR-6", "BOE": "ICEGATE"}
# the short name of each section's documents in the table's Type column (tests/unit/test_web_views.py checks
# that every section of services/common/gst/sections.py has one)
DOCUMENT_TYPES = {
    "b2b": "Invoice",
    "b2ba": "Invoice (amended)",
    "b2bdn": "Debit note",
    "b2bdna": "Debit note (amended)",
    "b2bcn": "Credit note",
    "b2bcna": "Credit note (amended)",
    "ecom": "ECO invoice",
    "ecoma": "ECO invoice (amended)",
    "isd": "ISD invoice",
    "isda": "ISD invoice (amended)",
    "isdcn": "ISD credit note",
    "isdcna": "ISD credit note (amended)",
    "impg": "Bill of Entry",
    "impga": "Bill of Entry (amended)",
    "impgsez": "Bill of Entry (SEZ)",
    "impgseza": "Bill of Entry (SEZ, amended)",
}
assert set(TABS) == set(GROUPS)


@dataclass(frozen=True, slots=True)
class Cell:
    n: int
    href: str
    label: str  # what a screen reader says for the link

    @property
    def text(self) -> str:
        return formats.count(self.n)


@dataclass(frozen=True, slots=True)
class CountsRow:
    heading: str
    section: str
    cells: tuple[Cell, ...]
    total: Cell


@dataclass(frozen=True, slots=True)
class CountsTable:
    group: str
    title: str
    rows: tuple[CountsRow, ...]
    totals: tuple[Cell, ...]
    total: Cell

    @property
    def empty(self) -> bool:
        return self.total.n == 0


def counts_table(counts: Mapping[str, Any], group: str, link: Link) -> CountsTable:
    """The portal's counts table of one tab: a row per section, a column per action, totals both ways;
    every number links to the documents it counts (`link(section=..., status=...)`)."""
    statuses = list(STATUS_LABELS)
    rows = []
    for section in (s for s in SECTIONS if s.group == group):
        found = counts.get(group, {}).get(section.key, {})
        cells = tuple(
            Cell(
                int(found.get(ACTION_NAMES[s], 0)),
                link(section=section.key, status=s),
                f"{section.heading}: {STATUS_LABELS[s]}",
            )
            for s in statuses
        )
        total = Cell(sum(c.n for c in cells), link(section=section.key), f"{section.heading}: all")
        rows.append(CountsRow(section.heading, section.key, cells, total))
    totals = tuple(
        Cell(sum(r.cells[i].n for r in rows), link(group=group, status=s), f"{TABS[group]}: {STATUS_LABELS[s]}")
        for i, s in enumerate(statuses)
    )
    total = Cell(sum(c.n for c in totals), link(group=group), f"{TABS[group]}: all")
    return CountsTable(group, TABS[group], tuple(rows), totals, total)


@dataclass(frozen=True, slots=True)
class DocumentRow:
    doc_id: str
    hash: str
    section: str
    type: str
    supplier: str
    number: str
    date: str
    value: str
    taxable: str
    igst: str
    cgst: str
    sgst: str
    cess: str
    pos: str
    source_form: str
    filing_status: str
    action: str
    action_code: str
    remarks: str
    pending_until: str
    asks_reduction: bool
    supplier_name: str = ""  # trade name, else legal name, from the registry (docs/rules.md §8.5); "" unknown

    @property
    def choice(self) -> str:
        """The checkbox value: the hash it was read with, then its id (SAVE refuses it if it changed since)."""
        return f"{self.hash}:{self.doc_id}"


def document_row(doc: ImsDocument, supplier_name: str = "") -> DocumentRow:
    action = STATUS_LABELS[doc.action] + (" (deemed)" if doc.deemed else "")
    return DocumentRow(
        doc_id=doc.doc_key,
        hash=doc.version_hash,
        section=doc.section,
        type=DOCUMENT_TYPES[doc.section] + ("" if doc.inv_typ in ("R", "") else f" · {doc.inv_typ}"),
        supplier=doc.supplier,
        supplier_name=supplier_name,
        number=doc.number,
        date=formats.day(doc.doc_date),
        value=formats.rupees(doc.value, symbol=False),
        taxable=formats.rupees(doc.taxable, symbol=False),
        igst=formats.rupees(doc.igst, symbol=False),
        cgst=formats.rupees(doc.cgst, symbol=False),
        sgst=formats.rupees(doc.sgst, symbol=False),
        cess=formats.rupees(doc.cess, symbol=False),
        pos=doc.pos,
        source_form=SOURCE_FORMS.get(doc.source_form, doc.source_form),
        filing_status="Filed" if doc.filing_status == "filed" else "Not filed",
        action=action,
        action_code=doc.action,
        remarks=doc.remarks or "",
        pending_until=formats.day(doc.pending_deadline),
        asks_reduction=reduction_applies(doc),
    )


def split_choice(value: str) -> tuple[str, str] | None:
    """(hash, doc_id) from a checkbox value; None when it is not one this page wrote."""
    hash_, sep, doc_id = value.partition(":")
    if not sep or len(hash_) != 64 or not doc_id or doc_id.split("|")[0] not in SECTION_BY_KEY:
        return None
    return hash_, doc_id


@dataclass(frozen=True, slots=True)
class Review:
    """What a bulk action will do, stated before it is confirmed."""

    action: str
    verb: str
    total: int
    shown: tuple[DocumentRow, ...]
    remarks: str
    asks_reduction: int  # how many of them ask "Is ITC to be reduced?"
    problems: tuple[str, ...] = ()

    @property
    def more(self) -> int:
        return self.total - len(self.shown)


def review(action: str, documents: Iterable[ImsDocument], total: int, remarks: str, reduction_count: int) -> Review:
    """The confirmation of an action on `total` documents (the first of them in `documents`). A request the
    rules would refuse whole (remarks with Accept or Reset, nothing selected) is stated as a problem here,
    before anything is sent; per-document refusals come back in the answer."""
    problems = []
    if total == 0:
        problems.append("Nothing is selected: tick documents in the table, or choose every document of the filter.")
    if remarks and action not in ("R", "P"):
        problems.append(
            f"Remarks go only with Reject or Pending; clear them to {ACTION_VERBS[action].lower()}, "
            "or choose Reject or Keep pending."
        )
    if len(remarks) > MAX_REMARKS:
        problems.append(f"Remarks: at most {MAX_REMARKS} characters, got {len(remarks)}.")
    rows = tuple(document_row(d) for d in documents)
    return Review(action, ACTION_VERBS[action], total, rows, remarks, reduction_count, tuple(problems))


@dataclass(frozen=True, slots=True)
class Refused:
    section: str
    supplier: str
    numbers: tuple[str, ...]
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Outcome:
    reference_id: str
    processed: int
    refused: tuple[Refused, ...] = field(default=())

    @property
    def refused_count(self) -> int:
        return sum(len(r.numbers) for r in self.refused)


def outcome(answer: Mapping[str, Any]) -> Outcome:
    """A REQSTS answer in GSTN's shape (services/actions/views/reqsts.py) as the page reports it."""
    refused = []
    for section, entries in answer.get("error_report", {}).items():
        heading = SECTION_BY_KEY[section].heading if section in SECTION_BY_KEY else section
        for entry in entries:
            numbers = tuple(_number(inv) for inv in entry.get("inv", []))
            refused.append(Refused(heading, entry.get("stin", ""), numbers, entry["error_cd"], entry["error_msg"]))
    return Outcome(str(answer.get("reference_id", "")), int(answer.get("proc_cnt", 0)), tuple(refused))


def _number(inv: Mapping[str, Any]) -> str:
    number = inv.get("inum") or inv.get("nt_num") or inv.get("boenum") or inv.get("doc_id") or ""
    period = inv.get("rtnprd")
    return f"{number} ({formats.period(period)})" if period else str(number)


@dataclass(frozen=True, slots=True)
class DueItem:
    what: str
    count: int
    until: str  # DD-MM-YYYY; "" when the documents have no day yet (a saved return, a GSTR-2B carried them)
    href: str


# what each kind of deadline (services/actions/domain/deadlines.py) asks of the accountant, and which documents
# it concerns (their action)
DUE_WORDS = {
    PENDING_WINDOW: ("P", "Kept Pending, {period}: decide before the Pending window closes (then deemed accepted)"),
    LIMIT_16_4: ("P", "Kept Pending, {period}: decide before the section 16(4) limit (then ITC is lost)"),
    DEEMED_ACCEPTANCE: ("N", "No Action yet, {period}: counted as accepted in GSTR-2B unless you decide"),
}
assert set(DUE_WORDS) == set(DEADLINE_KINDS)


def due_soon(rows: Iterable[tuple[str, str, int, str | None]], link: Link) -> tuple[DueItem, ...]:
    """What needs a decision before a deadline, earliest first (no day yet last): per return period and kind,
    Pending documents whose one-period window closes (docs/rules.md §3.7) or whose section 16(4) limit comes
    (§3.8), and documents still at No Action, which GSTR-2B counts as accepted when it is generated (§3.1).
    Rows: (return period, kind, count, deadline ISO or None), as services/web/reads.py `due_rows` reads them."""
    items = []
    for rtnprd, kind, n, deadline in rows:
        action, words = DUE_WORDS[kind]
        what = words.format(period=formats.period(rtnprd))
        items.append(DueItem(what, n, formats.day(deadline), link(status=action, rtnprd=rtnprd)))
    return tuple(sorted(items, key=lambda i: (i.until[6:] + i.until[3:5] + i.until[:2]) or "9"))


# what each history row of the IMS projection (services/actions/projector: filed.py, periods.py, the action
# paths) says happened, in the accountant's words; an unknown one is shown as recorded
HISTORY_WORDS = {
    "filed": "Filed by the supplier",
    "saved": "Saved by the supplier (not yet filed)",
    "marked_filed": "The supplier filed the saved return",
    "replaced": "Changed by the supplier",
    "deleted": "Deleted by the supplier",
    "action_A": "Accepted",
    "action_R": "Rejected",
    "action_P": "Kept pending",
    "action_N": "Reset to No Action",
    "frozen": "Frozen: GSTR-3B filed for its period",
    "deemed_accepted": "Deemed accepted: the Pending window closed",
    "time_barred": "ITC not available: past the section 16(4) limit",
}


@dataclass(frozen=True, slots=True)
class HistoryRow:
    when: str
    what: str
    actor: str
    remarks: str
    reference: str


def history_rows(events: Iterable[Mapping[str, Any]]) -> tuple[HistoryRow, ...]:
    """GET .../history's events (services/actions/views/history.py `of`) as the side panel lists them."""
    rows = []
    for event in events:
        detail = event.get("detail") or {}
        what = str(event.get("what", ""))
        rows.append(
            HistoryRow(
                formats.moment(event.get("occurred_at")),
                HISTORY_WORDS.get(what, what),
                str(event.get("actor") or ""),
                str(detail.get("remarks") or "") if isinstance(detail, dict) else "",
                str(detail.get("reference_id") or "") if isinstance(detail, dict) else "",
            )
        )
    return tuple(rows)


def section_of(key: str) -> Section | None:
    return SECTION_BY_KEY.get(key)
