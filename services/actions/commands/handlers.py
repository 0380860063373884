"""Recipient commands: SAVE / RESET / bulk actions and period events, each logged as one event.

The API checks every item against the read model with the same domain function the projector uses and
answers at once in the REQSTS shape; the projector, applying in log order, is the authority and records
any item that became invalid in between (GET .../requests/{reference_id} then shows it). A request's
events (a bulk action's chunks, 5,000 documents each) are appended to the durable event log in the
transaction that records its answer: all or none, before the answer.

Each function takes the ports it uses (services/actions/commands/ports.py): the documents it checks
against, the clock that says the recipient's day, the log its events and answer go to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from services.actions.commands.ports import ActionLog, Clock, CommandPorts, Documents
from services.actions.domain import chains
from services.actions.domain.actions import check_action
from services.actions.domain.model import ActionRequest, ImsDocument, Refusal
from services.actions.domain.pending import reduction_applies
from services.actions.views import queries
from services.common import requests
from services.common.events import ActionItem, ActionsTakenV1
from services.common.gst.money import InvalidAmount, to_paise
from services.common.gst.periods import financial_year_of, parse_gstn_date
from services.common.gst.references import new_reference
from services.common.gst.sections import SECTION_BY_KEY
from services.common.quoting import shown

ACTION_CHUNK = 5000
Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Item:
    section: str
    locator: dict[str, Any]  # what identified the document, echoed in the error report
    request: ActionRequest | None
    refusal: Refusal | None = None
    document: ImsDocument | None = None  # already read (bulk selections), so it is not loaded twice
    allowed: bool = False  # bulk selections: SQL proved the action allowed (bulk_apply.ALLOWED)
    defaulted: bool = False  # an accept that asks "Whether ITC needs to be reduced?" came without itcRedReq


def document_key(section: str, record: dict[str, Any]) -> str | None:
    """The IMS identity from a GETINV/SAVE record: stin + number + financial year of the date."""
    if isinstance(record.get("doc_id"), str):
        return str(record["doc_id"])
    number = record.get("inum") or record.get("nt_num") or record.get("boenum") or record.get("docnum")
    day = record.get("idt") or record.get("nt_dt") or record.get("boedt") or record.get("docdt")
    stin = record.get("stin")
    if not (isinstance(number, str) and isinstance(day, str) and isinstance(stin, str)):
        return None
    try:
        fy = financial_year_of(parse_gstn_date(day))
    except ValueError:
        return None
    return f"{section}|{stin}|{fy}|{number.upper()}"


def _amount(record: dict[str, Any], field: str) -> int | None:
    value = record.get(field)
    return None if value is None else to_paise(value, field)


# Identifying fields echoed in the error report, each at most this long: a doc_id is about 55 characters,
# a GSTIN 15, a document number 16; a longer value is refused anyway, and echoing it whole for each of
# 20,000 records would cost the answer several times the body.
LOCATOR_CHARS = {"stin": 24, "inum": 24, "nt_num": 24, "boenum": 24, "rtnprd": 8, "doc_id": 64}
TRANSACTION = {"SAVE": "SAV", "BULK": "SAV", "RESET": "RST"}  # GSTN's transTypCd of each request


def parse_item(section: str, record: dict[str, Any], reset: bool) -> Item:
    """One SAVE / RESET record as an Item: the request, or the refusal naming the field. Records are read
    one at a time from the body (services/actions/commands/save_body.py) and only their Items are kept."""
    locator: dict[str, Any] = {
        k: (record[k] if isinstance(record[k], str) else repr(record[k]))[:limit]
        for k, limit in LOCATOR_CHARS.items()
        if k in record
    }
    key = document_key(section, record)
    if key is None or not key.startswith(section + "|"):
        return Item(section, locator, None, INVALID_IDENTITY)
    action = "N" if reset else record.get("action")
    if action not in ("A", "R", "P", "N"):
        return Item(
            section, locator, None, Refusal("INVALID_ACTION", f"action: must be A, R or P, got {shown(action)}")
        )
    remarks = record.get("remarks")
    if remarks is not None and not isinstance(remarks, str):
        return Item(section, locator, None, Refusal("INVALID_REMARKS", "remarks: must be text"))
    hash_ = record.get("hash")
    if hash_ is not None and not (isinstance(hash_, str) and len(hash_) == 64):
        return Item(section, locator, None, Refusal("STALE_HASH", "hash: must be the 64-hex hash from GETINV"))
    try:
        request = ActionRequest(
            key,
            action,
            hash_,
            remarks or None,
            record.get("itcRedReq"),
            _amount(record, "declIgst"),
            _amount(record, "declCgst"),
            _amount(record, "declSgst"),
            _amount(record, "declCess"),
        )
    except InvalidAmount as exc:
        return Item(section, locator, None, Refusal("INVALID_REDUCTION", str(exc)))
    return Item(section, locator, request)


INVALID_IDENTITY = Refusal(
    "INVALID_IDENTITY", "stin and inum/idt (or nt_num/nt_dt) or doc_id of this section are required"
)


def check_items(documents: Documents, clock: Clock, recipient: str, items: list[Item]) -> list[Item]:
    docs = {(recipient, i.document.doc_key): i.document for i in items if i.document is not None}
    wanted = {(recipient, i.request.doc_key) for i in items if i.request and i.document is None and not i.allowed}
    if wanted:
        docs |= documents.load(wanted)
        items = _live_links(documents, recipient, items, docs)
    today = clock.today(recipient)
    checked = []
    for item in items:
        if item.request is None or item.allowed:
            checked.append(item)
            continue
        doc = docs.get((recipient, item.request.doc_key))
        refusal = check_action(doc, item.request, today)
        defaulted = refusal is None and doc is not None and _reduction_defaulted(doc, item.request)
        locator = item.locator if refusal is None or doc is None else _named(item.section, item.locator, doc)
        checked.append(Item(item.section, locator, item.request, refusal, defaulted=defaulted))
    return checked


def _named(section: str, locator: dict[str, Any], doc: ImsDocument) -> dict[str, Any]:
    """A refused record named by doc_id only (a bulk selection) gets its number and period for the report."""
    if any(k in locator for k in ("inum", "nt_num", "boenum")):
        return locator
    return {**locator, SECTION_BY_KEY[section].number_key: doc.number, "rtnprd": doc.return_period}


def _reduction_defaulted(doc: ImsDocument, request: ActionRequest) -> bool:
    """docs/rules.md §3 (our rule): a missing `itcRedReq` on an accept that asks it means Y, and the answer
    says so (GSTN's SAVE API refuses such an accept with IMSSAV0054; the portal defaults to Yes)."""
    return request.action == "A" and request.itc_red_req is None and reduction_applies(doc)


MAX_CHAIN = 100  # links followed from a number; a chain gains one a return period at most


def _live_links(documents: Documents, recipient: str, items: list[Item], docs: dict[Key, ImsDocument]) -> list[Item]:
    """An amendment named by its number means the live link of its chain: a later amendment that kept the
    number lives under that key plus the period that reported it (domain/chains.py). `docs` gains the
    links it loads; a `doc_id` names one link exactly and is left alone."""
    latest = {
        i.request.doc_key: i.request.doc_key
        for i in items
        if i.request is not None and "doc_id" not in i.locator and SECTION_BY_KEY[i.section].is_amendment
    }
    for _ in range(MAX_CHAIN):
        moves = {}
        for asked, link in latest.items():
            doc = docs.get((recipient, link))
            if doc is not None and doc.amended_by and chains.base_of(doc.amended_by) == asked:
                moves[asked] = doc.amended_by
        if not moves:
            break
        docs |= documents.load({(recipient, k) for k in moves.values()} - docs.keys())
        latest.update(moves)
    return [
        replace(i, request=replace(i.request, doc_key=latest[i.request.doc_key]))
        if i.request is not None and latest.get(i.request.doc_key, i.request.doc_key) != i.request.doc_key
        else i
        for i in items
    ]


Beside = Callable[[dict[str, Any]], dict[str, Any]]  # keys of ours for an answer, given its GSTN keys


def submit(
    log: ActionLog,
    recipient: str,
    request_type: str,
    items: Sequence[Item],
    actor: str,
    idempotency_key: str | None,
    beside: Beside | None = None,
) -> dict[str, Any]:
    reference = new_reference(idempotency_key)
    accepted = [i for i in items if i.refusal is None and i.request is not None]
    chunks = [accepted[i : i + ACTION_CHUNK] for i in range(0, len(accepted), ACTION_CHUNK)]
    events = (
        ActionsTakenV1(reference, recipient, request_type, index, len(chunks), [_item_record(i) for i in chunk])
        for index, chunk in enumerate(chunks)
    )
    response = requests.reqsts(reference, len(accepted), _errors(items)) | {"transTypCd": TRANSACTION[request_type]}
    defaulted = _defaulted(accepted)
    if defaulted:
        response["defaulted"] = {"itcRedReq": "Y", "documents": defaulted}
    if beside is not None:
        response |= beside(response)
    log.append(recipient, reference, events, actor, response, idempotency_key)
    return response


def _item_record(item: Item) -> ActionItem:
    r = item.request
    assert r is not None
    return {
        "doc_key": r.doc_key,
        "section": item.section,
        "action": r.action,
        "version_hash": r.version_hash,
        "remarks": r.remarks,
        "itc_red_req": r.itc_red_req,
        "decl_igst": r.decl_igst,
        "decl_cgst": r.decl_cgst,
        "decl_sgst": r.decl_sgst,
        "decl_cess": r.decl_cess,
    }


def _defaulted(items: Iterable[Item]) -> dict[str, list[dict[str, Any]]]:
    """Ours, beside GSTN's REQSTS keys: the accepted documents whose ITC-reduction answer was taken as Y."""
    found: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item.defaulted:
            found.setdefault(item.section, []).append(dict(item.locator))
    return found


def _errors(items: Iterable[Item]) -> dict[str, list[dict[str, Any]]]:
    report: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        if item.refusal is not None:
            report.setdefault(item.section, []).append(
                {**item.locator, "error_cd": item.refusal.code, "error_msg": item.refusal.message}
            )
    return report


def bulk_items(
    documents: Documents,
    selection: queries.Selection,
    action: str,
    remarks: str | None,
    reduction: dict[str, Any] | None,
) -> list[Item]:
    """Every selected document in cursor order. Without an ITC-reduction answer, SQL reads only what the request
    needs and proves most items allowed; the rest are read whole and checked by `check_items` as usual."""
    if reduction:
        return [_bulk_item(doc, action, remarks, reduction) for doc in documents.stream(selection)]
    rows = documents.select(selection, action, remarks)
    doubtful: dict[tuple[str, str], ImsDocument] = {}
    if not all(row.allowed for row in rows):
        doubtful = documents.load({(selection.recipient, row.doc_key) for row in rows if not row.allowed})
    return [
        Item(
            section,
            {"stin": supplier, "doc_id": key},
            ActionRequest(key, action, version_hash, remarks),
            document=None if allowed else doubtful.get((selection.recipient, key)),
            allowed=allowed,
            defaulted=allowed and defaulted,  # the others are checked whole, and defaulted there
        )
        for section, supplier, key, version_hash, allowed, defaulted in rows
    ]


def _bulk_item(doc: ImsDocument, action: str, remarks: str | None, reduction: dict[str, Any]) -> Item:
    """One answer to "Whether ITC needs to be reduced?" applies to every selected document it concerns;
    the others (ordinary invoices) are simply accepted."""
    if not reduction or action != "A" or not reduction_applies(doc):
        reduction = {}
    request = ActionRequest(
        doc.doc_key,
        action,
        doc.version_hash,
        remarks,
        reduction.get("itcRedReq"),
        _amount(reduction, "declIgst"),
        _amount(reduction, "declCgst"),
        _amount(reduction, "declSgst"),
        _amount(reduction, "declCess"),
    )
    return Item(doc.section, {"stin": doc.supplier, "doc_id": doc.doc_key}, request, document=doc)


def execute(
    ports: CommandPorts,
    recipient: str,
    request_type: str,
    make_items: Callable[[], list[Item]],
    actor: str,
    idempotency_key: str | None,
    beside: Beside | None = None,
) -> dict[str, Any]:
    """Check and publish one SAVE / RESET / BULK request; a retry with the same key gets the first answer.
    `beside` adds keys of ours to the answer before it is logged, so a retry gets them too."""
    with ports.log.earlier(idempotency_key) as earlier:
        if earlier is not None:
            return earlier
        if request_type == "BULK" and idempotency_key:  # an old version's attempt failed part-way: its chunks
            resumed = ports.log.resume(recipient, new_reference(idempotency_key), idempotency_key)
            if resumed is not None:
                return resumed
        checked = check_items(ports.documents, ports.clock, recipient, make_items())
        return submit(ports.log, recipient, request_type, checked, actor, idempotency_key, beside)
