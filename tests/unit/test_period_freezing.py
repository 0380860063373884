"""A period whose GSTR-3B is filed (docs/rules.md §3, §5): what freezing means for a document, in the pure
domain. Which documents a filing freezes (the decided ones its GSTR-2B holds; Pending ones stay) is the
projector's set-based SQL (services/actions/projector/periods.py), proved end to end."""

from __future__ import annotations

from dataclasses import replace

from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.filings import decide_filing
from services.actions.domain.model import ActionRequest
from tests.support.ims_documents import amendment, facts_of, filed_record, ims_document
from tests.support.ims_in_memory import InMemoryIms

ACCEPTED = ims_document(action="A", prev_action="N")
FROZEN = replace(ACCEPTED, frozen=True)


def test_a_frozen_document_can_no_longer_be_accepted_rejected_kept_pending_or_reset() -> None:
    for action, remarks in (("A", None), ("R", "changed my mind"), ("P", None), ("N", None)):
        refusal = check_action(FROZEN, ActionRequest(FROZEN.doc_key, action, None, remarks), "2025-11-21")
        assert refusal is not None and refusal.code == "FROZEN", action
        assert refusal.message == "GSTR-3B for 102025 is filed; the document can no longer be actioned"


def test_a_frozen_document_leaves_the_dashboard_with_its_action_kept() -> None:
    assert ACCEPTED.counted and not FROZEN.counted
    assert replace(ims_document(), frozen=True).action == "N"  # deemed accepted: kept, no longer counted


def test_another_periods_document_stays_actionable() -> None:
    november = ims_document("b2b|x|2025|FZ-2", return_period="112025", gstr2b_period="112025")
    request = ActionRequest(november.doc_key, "R", None, "not received")
    assert check_action(november, request, "2025-11-21") is None
    assert apply_action(november, request, "a", "t").remarks == "not received"


def test_the_supplier_reposting_a_frozen_document_unchanged_is_a_no_op_and_changed_is_refused() -> None:
    again = decide_filing(FROZEN, filed_record(FROZEN), facts_of(FROZEN), None)
    assert (again.changed, again.refusal) == (False, None)
    changed = replace(FROZEN, value=129_800, version_hash="c" * 64)
    refused = decide_filing(FROZEN, filed_record(changed), facts_of(changed), None)
    assert not refused.changed and refused.refusal is not None
    assert (refused.refusal.code, refused.refusal.message) == ("FROZEN", "its GSTR-3B period is filed; amend instead")
    deleted = decide_filing(FROZEN, filed_record(FROZEN, deleted=True), facts_of(FROZEN), None)
    assert deleted.refusal is not None and deleted.refusal.code == "ALREADY_FILED"


def test_a_frozen_saved_document_is_not_marked_filed_by_a_later_filing() -> None:
    saved_frozen = replace(FROZEN, filing_status="saved", filed_on=None)
    outcome = decide_filing(saved_frozen, filed_record(ACCEPTED), facts_of(ACCEPTED), None)
    assert (outcome.changed, outcome.refusal, outcome.document) == (False, None, saved_frozen)


def test_a_downward_amendment_of_a_frozen_accepted_invoice_may_be_accepted_with_a_reduction() -> None:
    """The supplier amends FZ-1 (accepted, GSTR-3B filed) in its December return: accepting reduces ITC, so
    Pending is blocked for one period's window and the ITC-reduction declaration applies."""
    ims = InMemoryIms()
    ims.file(ACCEPTED)
    ims.freeze(ACCEPTED.doc_key, "A")
    december = {"return_period": "122025", "gstr2b_period": "122025", "filed_on": "2026-01-11"}
    ims.file(amendment(ACCEPTED, 70_800, **december))
    key = "b2ba|x|2025|INV-1"
    amended = ims.doc(key)
    assert (amended.section, amended.orig_number, amended.action) == ("b2ba", "INV-1", "N")
    assert (amended.pending_blocked, amended.pending_deadline) == (True, "2026-02-20")
    assert ims.act(key, "A", itc_red_req="Y", decl_igst=5_000) is None
    accepted = ims.doc(key)
    assert (accepted.action, accepted.itc_red_req, accepted.decl_igst) == ("A", "Y", 5_000)
    assert ims.doc(ACCEPTED.doc_key).action == "A" and ims.doc(ACCEPTED.doc_key).superseded_by is None
