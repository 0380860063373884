"""docs/rules.md §3, Pending blocked, case 4: a downward invoice amendment whose original's ITC was taken."""

from __future__ import annotations

from dataclasses import replace

from services.actions.domain.actions import check_action
from services.actions.domain.filings import FilingFacts, incoming_document
from services.actions.domain.model import ActionRequest, ImsDocument
from services.actions.domain.pending import blocked

ORIGINAL = ImsDocument(
    recipient="29AABCM7710Q1ZX", doc_key="b2b|x", original_key=None, section="b2b", supplier="27AAPFK4821M1ZT",
    number="X", doc_date="2025-09-10", note_type=None, orig_number=None, orig_date=None, inv_typ="R", pos="29",
    reverse_charge=False, source_form="R1", return_period="092025", value=100, taxable=100, igst=18, cgst=0,
    sgst=0, cess=0, version_hash="0" * 64, route="ims", part="itcavl", reason="", filing_status="filed",
    filed_on="2025-10-11", gstr2b_period="092025", ecom_operator=None, diff_percent=None, port_code=None,
)  # fmt: skip


def test_a_downward_amendment_is_blocked_when_its_originals_itc_was_taken() -> None:
    for action, frozen, expected in (
        ("A", True, True),  # accepted, GSTR-3B filed
        ("N", True, True),  # deemed accepted at GSTR-3B
        ("R", True, False),  # rejected: the amendment counts in full, accepting it reduces nothing
        ("A", False, False),  # GSTR-3B not filed: the amendment supersedes the original
    ):
        original = replace(ORIGINAL, action=action, frozen=frozen)
        assert blocked("b2ba", "down", original) is expected, (action, frozen)
        assert blocked("b2ba", "up", original) is False


def test_a_saved_credit_note_may_be_kept_pending_from_its_return_period_until_filed() -> None:
    record = {f: getattr(ORIGINAL, f) for f in ("section", "supplier", "number", "doc_date", "note_type",
              "orig_number", "orig_date", "inv_typ", "pos", "reverse_charge", "source_form", "value", "taxable",
              "igst", "cgst", "sgst", "cess", "version_hash", "route", "part", "reason", "ecom_operator",
              "diff_percent", "port_code")}  # fmt: skip
    record |= {"key": "b2bcn|x", "original_key": None, "section": "b2bcn", "note_type": "C", "gstr2b_period": None}
    for period, deadline in (("102025", "2025-12-20"), ("112025", "2026-01-20"), ("092025", None)):
        saved = incoming_document(record, FilingFacts("29AABCM7710Q1ZX", "saved", None, "ref", period))
        assert (saved.pending_blocked, saved.pending_deadline) == (True, deadline), period
        refusal = check_action(saved, ActionRequest("b2bcn|x", "P", None), "2025-12-01")
        assert (refusal.code if refusal else None) == (None if deadline else "PENDING_BLOCKED"), period
