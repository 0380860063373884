"""What a supplier's report does to the recipient's document (docs/rules.md §1, §5; services/actions/domain/
filings.py, applied by the projector's filing handler over the in-memory store): a saved document is
actionable, filing it unchanged keeps the action, an edit before filing drops it, the same version again
changes nothing, and a filed document changes only by amendment."""

from __future__ import annotations

from dataclasses import replace

from services.actions.domain.filings import decide_filing
from tests.support.ims_documents import facts_of, filed_record, ims_document
from tests.support.ims_in_memory import InMemoryIms

SAVED = ims_document(filing_status="saved", filed_on=None, gstr2b_period=None, return_period="112025")
FILED = replace(SAVED, filing_status="filed", filed_on="2025-12-11", gstr2b_period="112025")
EDITED = replace(SAVED, value=177_000, taxable=150_000, igst=27_000, version_hash="e" * 64)


def test_a_new_document_starts_at_no_action_whether_saved_or_filed() -> None:
    for doc in (SAVED, FILED):
        outcome = decide_filing(None, filed_record(doc), facts_of(doc), None)
        assert outcome.document is not None and outcome.changed
        assert (outcome.document.action, outcome.document.prev_action) == ("N", None)
        assert outcome.what == doc.filing_status
        assert outcome.document.gstr2b_period == doc.gstr2b_period


def test_a_supplier_edit_of_a_saved_invoice_replaces_it_and_drops_the_recipients_action() -> None:
    ims = InMemoryIms()
    ims.file(SAVED)
    assert ims.act(SAVED.doc_key, "A") is None
    assert ims.counts() == {("112025", "b2b", "A"): 1}
    assert ims.file(EDITED) == []
    edited = ims.doc(SAVED.doc_key)
    assert (edited.action, edited.prev_action, edited.value, edited.version_hash) == ("N", "A", 177_000, "e" * 64)
    assert ims.counts() == {("112025", "b2b", "N"): 1}
    assert ims.history(SAVED.doc_key) == ["saved", "replaced"]  # the action's own line is the projector's
    assert ims.act(SAVED.doc_key, "A", version_hash=SAVED.version_hash) == "STALE_HASH"


def test_a_saved_document_filed_unchanged_becomes_filed_and_keeps_its_action() -> None:
    ims = InMemoryIms()
    ims.file(SAVED)
    ims.act(SAVED.doc_key, "A")
    assert ims.file(FILED) == []
    filed = ims.doc(SAVED.doc_key)
    assert (filed.filing_status, filed.filed_on, filed.gstr2b_period, filed.action) == (
        "filed",
        "2025-12-11",
        "112025",
        "A",
    )
    assert filed.version_hash == SAVED.version_hash
    assert ims.counts() == {("112025", "b2b", "A"): 1}
    assert ims.history(SAVED.doc_key) == ["saved", "marked_filed"]


def test_the_identical_version_again_changes_nothing() -> None:
    ims = InMemoryIms()
    ims.file(FILED)
    before = (ims.doc(FILED.doc_key), ims.counts())
    assert ims.file(FILED) == []
    assert (ims.doc(FILED.doc_key), ims.counts()) == before
    assert ims.history(FILED.doc_key) == ["filed"]
    saved_again = decide_filing(ims.doc(FILED.doc_key), filed_record(SAVED), facts_of(SAVED), None)
    assert not saved_again.changed and saved_again.refusal is None  # a saved copy of a filed one: nothing


def test_a_changed_version_of_a_filed_document_is_refused_it_changes_only_by_amendment() -> None:
    ims = InMemoryIms()
    ims.file(FILED)
    changed = replace(FILED, value=177_000, version_hash="e" * 64)
    assert ims.file(changed) == [(FILED.doc_key, "ALREADY_FILED")]
    assert ims.store.refusals[0][5] == "a filed document changes only through an amendment table"
    assert ims.doc(FILED.doc_key).value == FILED.value
    assert ims.history(FILED.doc_key) == ["filed", "refused"]


def test_flag_d_deletes_a_saved_document_and_is_refused_for_a_filed_one() -> None:
    ims = InMemoryIms()
    other = replace(SAVED, doc_key="b2b|x|2025|INV-2", number="INV-2")
    ims.file(SAVED, other)
    assert ims.counts() == {("112025", "b2b", "N"): 2}
    assert ims.file(SAVED, deleted=True) == []
    assert ims.doc_keys() == {other.doc_key}
    assert ims.counts() == {("112025", "b2b", "N"): 1}
    assert ims.history(SAVED.doc_key) == ["saved", "deleted"]
    ims.file(FILED)
    assert ims.file(FILED, deleted=True) == [(FILED.doc_key, "ALREADY_FILED")]
    assert FILED.doc_key in ims.doc_keys()


def test_deleting_what_was_never_reported_does_nothing() -> None:
    outcome = decide_filing(None, filed_record(SAVED, deleted=True), facts_of(SAVED), None)
    assert (outcome.document, outcome.changed, outcome.refusal) == (None, False, None)


def test_documents_are_keyed_per_recipient() -> None:
    mine = InMemoryIms()
    theirs = InMemoryIms(recipient="29AABCN1234Q1ZV", store=mine.store)  # one store, two recipients
    theirs.file(replace(FILED, recipient=theirs.recipient))
    assert mine.act(FILED.doc_key, "A") == "NOT_FOUND"
    assert theirs.act(FILED.doc_key, "A") is None
