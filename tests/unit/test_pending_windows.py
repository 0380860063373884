"""Pending blocked and its one-period window (docs/rules.md §3; services/actions/domain/pending.py): the four
cases where accepting reduces ITC, no Pending before the Oct-2025 GSTR-2B period, and from it Pending until
the GSTR-3B due date of the following tax period (a quarter for a quarterly recipient)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.actions.domain.actions import check_action
from services.actions.domain.filings import decide_filing, incoming_document
from services.actions.domain.model import ActionRequest, ImsDocument
from services.actions.domain.pending import blocked, deadline
from tests.support.ims_documents import amendment, credit_note, facts_of, filed_record, ims_document


def reported(doc: ImsDocument, original: ImsDocument | None = None, quarterly: bool = False) -> ImsDocument:
    """`doc` as a filing of it arrives: blocked or not, and its window, derived from its GSTR-2B period."""
    return incoming_document(filed_record(doc), facts_of(doc, quarterly), original)


def pending_refusal(doc: ImsDocument, today: str) -> str | None:
    refusal = check_action(doc, ActionRequest(doc.doc_key, "P", None), today)
    return refusal.code if refusal else None


def window(doc: ImsDocument) -> tuple[bool, str | None]:
    return doc.pending_blocked, doc.pending_deadline


def test_original_credit_notes_are_blocked_and_other_originals_are_not() -> None:
    for section in ("b2bcn", "isdcn"):
        assert window(reported(credit_note(f"{section}|x", section=section))) == (True, "2025-12-20"), section
    for section in ("b2b", "b2bdn", "ecom", "isd", "impg"):
        assert window(reported(ims_document(f"{section}|x", section=section))) == (False, None), section


def test_a_credit_note_of_the_oct_2025_period_filed_11_nov_may_be_pending_until_20_dec_and_no_later() -> None:
    note = reported(credit_note())
    assert pending_refusal(note, "2025-11-20") is None
    assert pending_refusal(note, "2025-12-20") is None  # the due date itself is still within
    assert pending_refusal(note, "2025-12-21") == "PENDING_WINDOW_OVER"


def test_before_the_oct_2025_period_a_blocked_document_may_never_be_pending() -> None:
    september = reported(credit_note(return_period="092025", gstr2b_period="092025", filed_on="2025-10-11"))
    assert window(september) == (True, None)
    assert pending_refusal(september, "2025-10-12") == "PENDING_BLOCKED"


def test_the_gstr2b_period_decides_not_the_documents_date_or_return_period() -> None:
    late_september = credit_note(doc_date="2025-09-28", return_period="092025", gstr2b_period="102025")
    assert window(reported(late_september)) == (True, "2025-12-20")


@pytest.mark.parametrize(
    ("period", "due"),
    [("102025", "2025-12-20"), ("112025", "2026-01-20"), ("122025", "2026-02-20"), ("032026", "2026-05-20")],
)
def test_a_monthly_recipients_window_ends_on_the_gstr3b_due_date_of_the_following_month(period: str, due: str) -> None:
    assert deadline(period) == due


def test_a_quarterly_recipients_window_lasts_a_quarter_to_the_22nd() -> None:
    note = credit_note(return_period="092025", gstr2b_period="102025", filed_on="2025-11-13")
    assert window(reported(note, quarterly=True)) == (True, "2026-04-22")  # quarter Oct-Dec, then Jan-Mar
    assert deadline("122025", quarterly=True) == "2026-04-22"
    assert deadline("012026", quarterly=True) == "2026-07-22"


@pytest.mark.parametrize(
    ("original_action", "original_frozen", "expected"),
    [
        ("A", True, True),  # accepted, its GSTR-3B filed: the ITC was taken
        ("N", True, True),  # deemed accepted at that GSTR-3B
        ("R", True, False),  # rejected: the amendment counts in full, accepting it reduces nothing
        ("A", False, False),  # GSTR-3B not filed: the amendment supersedes the original
        ("P", False, False),
    ],
)
@pytest.mark.parametrize("section", ["b2b", "b2bdn", "ecom", "isd"])
def test_case_4_a_downward_supply_amendment_is_blocked_when_its_originals_itc_was_taken(
    section: str, original_action: str, original_frozen: bool, expected: bool
) -> None:
    original = ims_document(f"{section}|x", section=section, action=original_action, frozen=original_frozen)
    assert reported(amendment(original, 70_800), original).pending_blocked is expected
    assert reported(amendment(original, 236_000), original).pending_blocked is False  # upward: more ITC
    assert reported(amendment(original, original.value), original).pending_blocked is False


@pytest.mark.parametrize("original_action", ["N", "A", "R", "P"])
def test_case_2_an_upward_credit_note_amendment_is_always_blocked(original_action: str) -> None:
    original = credit_note(action=original_action)
    assert reported(amendment(original, 236_000), original).pending_blocked is True


def test_case_3_a_downward_credit_note_amendment_is_blocked_only_when_its_original_was_rejected() -> None:
    for action, expected in (("R", True), ("A", False), ("N", False), ("P", False)):
        original = credit_note(action=action)
        assert reported(amendment(original, 59_000), original).pending_blocked is expected, action


def test_an_amendment_whose_original_is_unknown_has_no_direction_and_is_not_blocked() -> None:
    orphan = reported(amendment(credit_note(), 236_000, amend_direction=None))
    assert (orphan.amend_direction, orphan.pending_blocked) == (None, False)
    assert blocked("b2bcna", None, None) is False


@pytest.mark.parametrize(
    ("months", "deadline_day"),
    [
        (("072025", "082025", "2025-09-11"), None),  # before Oct-2025: no Pending
        (("102025", "112025", "2025-12-11"), "2026-01-20"),  # one period's window
    ],
    ids=["before-oct-2025", "from-oct-2025"],
)
def test_cases_2_to_4_before_and_from_oct_2025(months: tuple[str, str, str], deadline_day: str | None) -> None:
    """An upward credit-note amendment, a downward amendment of a rejected credit note, and a downward
    amendment of an accepted invoice whose GSTR-3B is filed, all in the next month's return."""
    original_period, amendment_period, filed_on = months
    at = {"return_period": original_period, "gstr2b_period": original_period}
    invoice = ims_document(action="A", frozen=True, **at)
    up, rejected = credit_note("b2bcn|up", action="A", **at), credit_note("b2bcn|rej", action="R", frozen=True, **at)
    later = {"return_period": amendment_period, "gstr2b_period": amendment_period, "filed_on": filed_on}
    amended = [
        reported(amendment(invoice, 70_800, **later), invoice),
        reported(amendment(up, 236_000, **later), up),
        reported(amendment(rejected, 59_000, **later), rejected),
    ]
    assert [window(a) for a in amended] == [(True, deadline_day)] * 3
    expected = None if deadline_day else "PENDING_BLOCKED"
    assert [pending_refusal(a, filed_on) for a in amended] == [expected] * 3
    assert [a.action for a in amended] == ["N"] * 3


def test_an_amendments_window_is_its_own_when_its_originals_window_is_over() -> None:
    original = reported(credit_note())
    amended = reported(amendment(original, 236_000), original)
    assert pending_refusal(original, "2025-12-21") == "PENDING_WINDOW_OVER"
    assert (amended.pending_deadline, pending_refusal(amended, "2025-12-21")) == ("2026-01-20", None)


def test_ordinary_invoices_may_be_kept_pending_on_any_day() -> None:
    invoice = reported(ims_document())
    assert pending_refusal(invoice, "2026-11-29") is None
    assert pending_refusal(replace(invoice, return_period="092025", gstr2b_period="092025"), "2025-10-12") is None


def test_a_saved_credit_note_may_be_kept_pending_from_its_return_period_until_filed() -> None:
    for period, due in (("102025", "2025-12-20"), ("112025", "2026-01-20"), ("092025", None)):
        saved = reported(credit_note(filing_status="saved", filed_on=None, gstr2b_period=None, return_period=period))
        assert window(saved) == (True, due), period
        assert pending_refusal(saved, "2025-12-01") == (None if due else "PENDING_BLOCKED"), period


def test_filing_a_saved_credit_note_sets_its_window_again_from_the_gstr2b_period_it_lands_in() -> None:
    saved = reported(credit_note(filing_status="saved", filed_on=None, gstr2b_period=None))
    assert saved.pending_deadline == "2025-12-20"
    filed = credit_note(filed_on="2025-12-12", gstr2b_period="112025")  # the same content, filed on 12-Dec
    outcome = decide_filing(saved, filed_record(filed), facts_of(filed), None)
    assert outcome.what == "marked_filed" and outcome.document is not None
    assert window(outcome.document) == (True, "2026-01-20")
