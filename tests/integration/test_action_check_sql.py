"""`bulk_apply.ALLOWED`, the SQL restatement of `check_action`, decides as `check_action` does on every
combination of document state and request in a generated table (real PostgreSQL).

Within what the SQL path claims (requests without an ITC-reduction declaration, and not Pending on a
pending-blocked document, whose window depends on the day) the two decisions are equal both ways, and an
allowed item leaves the values `apply_action` leaves; outside it the SQL refuses, so Python decides.
tests/integration/test_bulk_apply.py runs the same comparison on randomized documents.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, TypedDict

from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import PENDING, ActionRequest, ImsDocument
from services.actions.projector import bulk_apply, store
from services.common.events import ActionItem
from services.common.gst.sections import SECTIONS

RECIPIENT = "29AAAAA0000A1Z5"
SUPPLIER = "27BBBBB0000B1Z5"
TODAY = "2026-01-15"
# (filing status, GSTR-2B period, return period): either side of the October 2025 policy, saved or filed
PERIODS = (
    ("filed", "092025", "092025"),
    ("filed", "102025", "092025"),
    ("saved", None, "092025"),
    ("saved", None, "102025"),
    ("filed", "", "112025"),
)
BLOCKED = ((False, None), (True, None), (True, "2025-12-20"))
AMENDED = ((None, None), ("orig", "up"), ("orig", "down"), ("orig", "same"))
GATES: tuple[dict[str, Any], ...] = (
    {"route": "gstr2b", "part": "itcunavl", "reason": "C"},
    {"frozen": True},
    {"superseded_by": "later"},
)
ACTIONS = ("N", "A", "R", "P", "X")
REMARKS = (None, "", "wrong rate", "r" * 250, "r" * 251, "\N{GRINNING FACE}" * 250, "\N{GRINNING FACE}" * 251)


def document(index: int, section: str, **fields: Any) -> ImsDocument:
    status, gstr2b_period, return_period = fields.pop("period", PERIODS[0])
    base: dict[str, Any] = {
        "recipient": RECIPIENT, "doc_key": f"{section}|{SUPPLIER}|2025-26|N{index:05d}", "original_key": None,
        "section": section, "supplier": SUPPLIER, "number": f"N{index:05d}", "doc_date": "2025-09-15",
        "note_type": None, "orig_number": None, "orig_date": None, "inv_typ": "R", "pos": "29",
        "reverse_charge": False, "source_form": "R1", "return_period": return_period, "value": 118_000 + index,
        "taxable": 100_000, "igst": 18_000 + index, "cgst": 0, "sgst": 0, "cess": index % 7,
        "version_hash": f"{index:064x}", "route": "ims", "part": "ims", "reason": "", "filing_status": status,
        "filed_on": "2025-10-11" if status == "filed" else None, "gstr2b_period": gstr2b_period,
        "ecom_operator": None, "diff_percent": None, "port_code": None, "action": "N", "prev_action": None,
    }  # fmt: skip
    return ImsDocument(**(base | fields))


def documents() -> Iterator[ImsDocument]:
    index = itertools.count()
    for kind, period, (blocked, deadline), (original, direction) in itertools.product(
        SECTIONS, PERIODS, BLOCKED, AMENDED
    ):
        yield document(
            next(index), kind.key, period=period, pending_blocked=blocked, pending_deadline=deadline,
            original_key=original, amend_direction=direction,
        )  # fmt: skip
    for kind, gate in itertools.product(SECTIONS, GATES):
        yield document(next(index), kind.key, **gate)


class Declaration(TypedDict, total=False):
    itc_red_req: str | None
    decl_igst: int | None


DECLARATIONS: tuple[Declaration, ...] = ({"itc_red_req": "Y"}, {"itc_red_req": "N"}, {"decl_igst": 0})


def items(docs: list[ImsDocument]) -> Iterator[ActionItem]:
    def plain(doc_key: str, section: str) -> ActionItem:
        return {
            "doc_key": doc_key, "section": section, "action": "A", "version_hash": None, "remarks": None,
            "itc_red_req": None, "decl_igst": None, "decl_cgst": None, "decl_sgst": None, "decl_cess": None,
        }  # fmt: skip

    for doc in docs:
        item = plain(doc.doc_key, doc.section)
        for action, remarks in itertools.product(ACTIONS, REMARKS):
            yield item | {"action": action, "remarks": remarks}
        for action, version in itertools.product(ACTIONS, (doc.version_hash, "f" * 64)):
            yield item | {"action": action, "version_hash": version, "remarks": "why"}
        for declaration in DECLARATIONS:
            yield item | declaration
    yield plain("b2b|nowhere", "b2b")


def request_of(item: ActionItem) -> ActionRequest:
    return ActionRequest(
        item["doc_key"], item["action"], item["version_hash"], item["remarks"], item["itc_red_req"],
        item["decl_igst"], item["decl_cgst"], item["decl_sgst"], item["decl_cess"],
    )  # fmt: skip


def claimed_by_sql(item: ActionItem, doc: ImsDocument | None) -> bool:
    """Whether the SQL path claims to decide this item exactly (else it must refuse it)."""
    declared = any(
        value is not None
        for value in (item["itc_red_req"], item["decl_igst"], item["decl_cgst"], item["decl_sgst"], item["decl_cess"])
    )
    return not declared and not (item["action"] == PENDING and doc is not None and doc.pending_blocked)


def test_the_sql_check_decides_every_document_state_and_request_as_check_action(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    docs = list(documents())
    by_key = {doc.doc_key: doc for doc in docs}
    staged = list(items(docs))
    with engine.begin() as conn:
        store.save(conn, docs, [])
        bulk_apply.stage(conn, staged)
        rows = bulk_apply.preview(conn, RECIPIENT)
        conn.rollback()
    differences = []
    for item, (sql_allows, *values) in zip(staged, rows, strict=True):
        doc = by_key.get(item["doc_key"])
        refusal = check_action(doc, request_of(item), TODAY)
        expected = refusal is None if claimed_by_sql(item, doc) else False
        if sql_allows != expected:
            differences.append((item, doc, refusal))
        elif sql_allows:
            assert doc is not None
            updated = apply_action(doc, request_of(item), "actor", "at")
            assert tuple(values) == tuple(getattr(updated, c) for c in bulk_apply.NEW_VALUES), (item, doc)
    assert differences == [], f"{len(differences)} decisions differ, first: {differences[:3]}"
    assert sum(1 for row in rows if row[0]) > 5_000  # the table reaches the allowed side too
