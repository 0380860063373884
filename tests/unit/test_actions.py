"""Recipient actions against the pure domain (docs/rules.md §3; services/actions/domain/actions.py): which
action a document allows in which state, the refusal that names the first rule broken, and the document an
allowed action leaves. The same functions answer the API at once and decide in the projector, so these
are the rules the end-to-end tests see through HTTP."""

from __future__ import annotations

import pytest

from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import ActionRequest, ImsDocument
from tests.support.ims_documents import credit_note, ims_document

TODAY = "2025-11-20"
ALL_SECTIONS = ("b2b", "b2ba", "b2bdn", "b2bdna", "b2bcn", "b2bcna", "ecom", "ecoma", "isd", "isda", "isdcn",
                "isdcna", "impg", "impga", "impgsez", "impgseza")  # fmt: skip
IMPORTS = ("impg", "impga", "impgsez", "impgseza")


def refusal_of(doc: ImsDocument | None, action: str | None, today: str = TODAY, **fields: object) -> str | None:
    request = ActionRequest(doc.doc_key if doc else "b2b|nope", action, **fields)  # type: ignore[arg-type]
    refusal = check_action(doc, request, today)
    return refusal.code if refusal else None


def acted(doc: ImsDocument, action: str, **fields: object) -> ImsDocument:
    request = ActionRequest(doc.doc_key, action, **({"version_hash": None} | fields))  # type: ignore[arg-type]
    assert check_action(doc, request, TODAY) is None
    return apply_action(doc, request, "alice@buyer.example", "2025-11-20T10:00:00+00:00")


@pytest.mark.parametrize("section", ALL_SECTIONS)
def test_every_section_may_be_accepted_kept_pending_and_reset_and_all_but_imports_rejected(section: str) -> None:
    doc = ims_document(f"{section}|x", section=section)
    assert {a: refusal_of(doc, a, version_hash=None) for a in "NAP"} == dict.fromkeys("NAP")
    expected = "REJECT_NOT_ALLOWED" if section in IMPORTS else None
    assert refusal_of(doc, "R", version_hash=None) == expected


def test_a_bill_of_entry_is_accepted_or_kept_pending_but_a_rejection_with_remarks_is_refused() -> None:
    bill = ims_document("impg|4512001", section="impg", supplier="29AABCM7710Q1ZX", port_code="INMAA1")
    assert refusal_of(bill, "R", version_hash=None, remarks="short shipped") == "REJECT_NOT_ALLOWED"
    assert acted(bill, "P").action == "P"
    assert acted(acted(bill, "P"), "A").action == "A"


def test_a_document_not_in_this_recipients_ims_is_not_found() -> None:
    assert refusal_of(None, "A", version_hash=None) == "NOT_FOUND"


def test_an_action_outside_n_a_r_p_is_refused_naming_the_field() -> None:
    refusal = check_action(ims_document(), ActionRequest("b2b|x", "X", None), TODAY)
    assert refusal is not None and refusal.code == "INVALID_ACTION" and refusal.message.startswith("action:")


@pytest.mark.parametrize(("part", "reason"), [("revsup", ""), ("itcunavl", "P"), ("itcunavl", "C")])
def test_a_document_that_skipped_ims_cannot_be_actioned(part: str, reason: str) -> None:
    skipped = ims_document(route="gstr2b", part=part, reason=reason)
    assert {a: refusal_of(skipped, a, version_hash=None) for a in "NARP"} == dict.fromkeys("NARP", "NOT_ACTIONABLE")


def test_a_superseded_original_is_refused_so_the_recipient_acts_on_its_amendment() -> None:
    original = credit_note(action="R", superseded_by="b2bcna|x|2025|CN-1")
    assert refusal_of(original, "A", version_hash=None) == "SUPERSEDED"


def test_an_action_read_with_an_old_hash_is_refused_as_stale_and_the_current_or_no_hash_is_taken() -> None:
    doc = ims_document(version_hash="b" * 64)
    assert refusal_of(doc, "A", version_hash="a" * 64) == "STALE_HASH"
    assert refusal_of(doc, "A", version_hash="b" * 64) is None
    assert refusal_of(doc, "A", version_hash=None) is None  # by number: the document as it is now


def test_the_refusal_names_the_first_rule_broken() -> None:
    everything_wrong = ims_document(route="gstr2b", frozen=True, superseded_by="b2ba|x", section="impg")
    assert refusal_of(everything_wrong, "R", version_hash="f" * 64) == "NOT_ACTIONABLE"
    frozen_and_stale = ims_document(frozen=True, superseded_by="b2ba|x")
    assert refusal_of(frozen_and_stale, "R", version_hash="f" * 64) == "FROZEN"
    assert refusal_of(ims_document(superseded_by="b2ba|x"), "A", version_hash="f" * 64) == "SUPERSEDED"
    assert refusal_of(ims_document(section="impg"), "R", version_hash="f" * 64) == "STALE_HASH"


def test_remarks_accompany_a_rejection_or_pending_up_to_250_characters_from_the_oct_2025_period() -> None:
    october = ims_document()
    assert refusal_of(october, "R", version_hash=None, remarks="Rate does not match the purchase order") is None
    assert refusal_of(october, "P", version_hash=None, remarks="y" * 250) is None
    assert refusal_of(october, "R", version_hash=None, remarks="x" * 251) == "REMARKS_TOO_LONG"
    assert refusal_of(october, "A", version_hash=None, remarks="looks fine") == "REMARKS_NOT_ALLOWED"
    september = ims_document(return_period="092025", gstr2b_period="092025")
    assert refusal_of(september, "R", version_hash=None, remarks="remarks start in Oct-2025") == "REMARKS_NOT_ALLOWED"
    assert refusal_of(september, "R", version_hash=None) is None
    saved_october = ims_document(filing_status="saved", filed_on=None, gstr2b_period=None)
    assert refusal_of(saved_october, "R", version_hash=None, remarks="the return period decides") is None


def test_the_period_that_decides_remarks_is_the_gstr2b_period_not_the_return_period() -> None:
    filed_late = ims_document(return_period="092025", gstr2b_period="102025")  # a September return filed 12-Nov
    assert refusal_of(filed_late, "R", version_hash=None, remarks="filed in the October period") is None


def test_the_latest_action_overwrites_the_previous_and_remembers_it() -> None:
    rejected = acted(ims_document(), "R", remarks="wrong rate")
    assert (rejected.action, rejected.prev_action, rejected.remarks) == ("R", "N", "wrong rate")
    assert (rejected.action_actor, rejected.action_at) == ("alice@buyer.example", "2025-11-20T10:00:00+00:00")
    accepted = acted(rejected, "A")
    assert (accepted.action, accepted.prev_action, accepted.remarks) == ("A", "R", None)
    pending = acted(accepted, "P", remarks="y" * 250)
    assert (pending.action, pending.prev_action, pending.remarks) == ("P", "A", "y" * 250)


def test_reset_returns_a_rejected_document_to_no_action_and_clears_its_remarks() -> None:
    rejected = acted(ims_document(), "R", remarks="wrong rate")
    reset = acted(rejected, "N")
    assert (reset.action, reset.prev_action, reset.remarks, reset.deemed) == ("N", "R", None, False)


def test_reset_clears_an_itc_reduction_declaration_and_an_action_clears_deemed_acceptance() -> None:
    declared = acted(credit_note(), "A", itc_red_req="Y", decl_igst=9_050)
    assert (declared.itc_red_req, declared.decl_igst) == ("Y", 9_050)
    reset = acted(declared, "N")
    assert (reset.itc_red_req, reset.decl_igst, reset.decl_cgst, reset.decl_sgst, reset.decl_cess) == (None,) * 5
    lapsed = credit_note(action="N", prev_action="P", deemed=True)
    assert acted(lapsed, "R").deemed is False


def test_an_action_changes_nothing_but_the_action_fields() -> None:
    doc = ims_document()
    accepted = acted(doc, "A")
    unchanged = {f for f in ImsDocument.__dataclass_fields__ if f not in ("action", "prev_action", "action_actor",
                 "action_at")}  # fmt: skip
    assert {f: getattr(accepted, f) for f in unchanged} == {f: getattr(doc, f) for f in unchanged}
    assert accepted.counted and accepted.count_key == (doc.recipient, "102025", "b2b", "A")
