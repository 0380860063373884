"""Amendment chains (docs/rules.md §5; services/actions/domain/chains.py, filings.py, and the projector's
filing handler over the in-memory store): a link's place and key, which link it amends and supersedes, and
what a saved, filed, deleted or refused link leaves of the chain and the dashboard."""

from __future__ import annotations

from dataclasses import replace
from typing import TypedDict

from services.actions.domain.chains import base_of, instance_key, link_number, reamends
from services.actions.domain.filings import supersedes
from tests.support.ims_documents import amendment, credit_note, ims_document
from tests.support.ims_in_memory import InMemoryIms

ORIGINAL = ims_document("b2b|x|2025|INV-1")  # October, filed 11-Nov, IGST 180.00
AMENDMENT = amendment(ORIGINAL, 141_600)  # November, filed 11-Dec, value 1,416.00 (IGST 216.00)


class Unfiled(TypedDict):
    filing_status: str
    filed_on: str | None
    gstr2b_period: str | None


SAVED: Unfiled = {"filing_status": "saved", "filed_on": None, "gstr2b_period": None}


def test_a_link_takes_the_place_after_the_link_it_amends() -> None:
    assert link_number(None) == 1  # the original is not known: a first amendment
    assert link_number(ORIGINAL) == 1
    assert link_number(replace(AMENDMENT, link_no=1)) == 2
    assert link_number(replace(AMENDMENT, link_no=2)) == 3


def test_only_a_later_return_amends_a_filed_amendment_again() -> None:
    assert reamends(AMENDMENT, "122025")
    assert reamends(AMENDMENT, "012026")
    assert not reamends(AMENDMENT, "112025")  # its own return: a filed document changes only by amendment
    assert not reamends(AMENDMENT, "102025")
    assert not reamends(replace(AMENDMENT, filing_status="saved"), "122025")  # a saved one is replaced
    assert not reamends(ORIGINAL, "122025")  # an original's key is never an amendment's
    assert not reamends(None, "122025")


def test_a_later_link_that_keeps_the_number_lives_beside_the_key() -> None:
    key = instance_key("b2ba|27AAPFK4821M1ZT|2025|INV-1", "112025")
    assert key == "b2ba|27AAPFK4821M1ZT|2025|INV-1@112025"
    assert base_of(key) == "b2ba|27AAPFK4821M1ZT|2025|INV-1"
    assert base_of("b2ba|27AAPFK4821M1ZT|2025|INV-1") == "b2ba|27AAPFK4821M1ZT|2025|INV-1"


def test_a_filed_amendment_supersedes_a_live_original_but_not_a_frozen_or_superseded_one() -> None:
    assert supersedes(AMENDMENT, ORIGINAL)
    assert not supersedes(AMENDMENT, replace(ORIGINAL, frozen=True))  # its GSTR-3B took it: the difference counts
    assert not supersedes(AMENDMENT, replace(ORIGINAL, superseded_by="b2ba|other"))
    assert not supersedes(replace(AMENDMENT, **SAVED), ORIGINAL)  # a draft enters no GSTR-2B
    assert not supersedes(AMENDMENT, None)


def test_an_amendment_supersedes_its_live_original_which_leaves_the_dashboard() -> None:
    ims = InMemoryIms()
    ims.file(ORIGINAL)
    assert ims.act(ORIGINAL.doc_key, "R") is None
    assert ims.file(AMENDMENT) == []
    original, amended = ims.doc(ORIGINAL.doc_key), ims.doc(AMENDMENT.doc_key)
    assert (original.superseded_by, original.amended_by) == (AMENDMENT.doc_key, AMENDMENT.doc_key)
    assert (amended.action, amended.prev_action, amended.link_no, amended.amend_direction) == ("N", None, 1, "up")
    assert ims.counts() == {("112025", "b2ba", "N"): 1}
    assert ims.history(ORIGINAL.doc_key) == ["filed", "superseded"]
    assert ims.act(ORIGINAL.doc_key, "A") == "SUPERSEDED"


def test_an_amendment_of_a_frozen_original_is_linked_but_does_not_supersede_it() -> None:
    ims = InMemoryIms()
    ims.file(ORIGINAL)
    ims.freeze(ORIGINAL.doc_key, "A")  # its GSTR-3B is filed
    ims.file(amendment(ORIGINAL, 70_800))
    original = ims.doc(ORIGINAL.doc_key)
    assert (original.superseded_by, original.amended_by) == (None, AMENDMENT.doc_key)
    amended = ims.doc(AMENDMENT.doc_key)
    assert (amended.amend_direction, amended.pending_blocked, amended.pending_deadline) == (
        "down",
        True,
        "2026-01-20",
    )


def test_a_saved_amendment_leaves_its_filed_original_counting_until_it_is_filed_or_deleted() -> None:
    ims = InMemoryIms()
    ims.file(ORIGINAL)
    draft = replace(AMENDMENT, **SAVED)

    def state() -> tuple[dict[tuple[str, str, str], int], str | None, str | None]:
        original = ims.doc(ORIGINAL.doc_key)
        return ims.counts(), original.amended_by, original.superseded_by

    assert ims.file(draft) == []
    assert state() == ({("102025", "b2b", "N"): 1, ("112025", "b2ba", "N"): 1}, AMENDMENT.doc_key, None)
    ims.file(draft, deleted=True)
    assert state() == ({("102025", "b2b", "N"): 1}, None, None)
    assert AMENDMENT.doc_key not in ims.doc_keys()
    ims.file(draft)
    ims.file(AMENDMENT)  # the same draft filed: now it supersedes (§5)
    assert state() == ({("112025", "b2ba", "N"): 1}, AMENDMENT.doc_key, AMENDMENT.doc_key)
    assert ims.history(AMENDMENT.doc_key) == ["saved", "deleted", "saved", "marked_filed"]


def test_a_filed_amendment_changed_in_its_own_return_period_is_refused() -> None:
    ims = InMemoryIms()
    ims.file(ORIGINAL)
    ims.file(AMENDMENT)
    changed = replace(AMENDMENT, value=129_800, igst=19_800, version_hash="c" * 64, filed_on="2025-12-12")
    assert ims.file(changed) == [(AMENDMENT.doc_key, "ALREADY_FILED")]
    (row,) = ims.store.refusals
    assert row[5].startswith("this amendment is already filed with other content in this return period")
    assert ims.doc(AMENDMENT.doc_key).value == AMENDMENT.value


def test_a_later_return_that_amends_again_under_the_same_number_adds_the_next_link() -> None:
    """C/0901: 1,800.00 (Sep, accepted, GSTR-3B filed) -> 2,700.00 (Oct, accepted, GSTR-3B filed) -> 2,160.00
    (Nov, the same number): the third link amends the second, downward, so accepting it reduces ITC."""
    ims = InMemoryIms()
    sep = ims_document("b2b|x|2025|C/0901", number="C/0901", value=1_180_000, igst=180_000, return_period="092025",
                       gstr2b_period="092025", filed_on="2025-10-11")  # fmt: skip
    ims.file(sep)
    ims.freeze(sep.doc_key, "A")
    october = {"return_period": "102025", "gstr2b_period": "102025", "filed_on": "2025-11-11", "version_hash": "1" * 64}
    first = amendment(sep, 1_770_000, **october)
    ims.file(first)
    ims.freeze(first.doc_key, "A")
    second = amendment(sep, 1_416_000, version_hash="2" * 64)  # November's return, same key
    assert ims.file(second) == []
    later = instance_key(first.doc_key, "112025")
    assert ims.doc_keys() == {sep.doc_key, first.doc_key, later}
    link = ims.doc(later)
    assert (link.original_key, link.link_no, link.amend_direction, link.value) == (sep.doc_key, 2, "down", 1_416_000)
    assert (link.pending_blocked, link.pending_deadline) == (True, "2026-01-20")
    assert (ims.doc(first.doc_key).amended_by, ims.doc(first.doc_key).superseded_by) == (later, None)  # frozen
    assert ims.doc(sep.doc_key).amended_by == first.doc_key
    assert ims.counts() == {("112025", "b2ba", "N"): 1}


def test_a_later_link_under_another_number_amends_the_chains_latest_live_link_and_supersedes_it() -> None:
    ims = InMemoryIms()
    ims.file(ORIGINAL)
    ims.file(AMENDMENT)  # November, live
    renamed = amendment(ORIGINAL, 129_800, number="INV-1-N", return_period="122025", gstr2b_period="122025",
                        filed_on="2026-01-11", version_hash="9" * 64)  # fmt: skip
    renamed = replace(renamed, doc_key="b2ba|x|2025|INV-1-N")
    ims.file(renamed)
    link = ims.doc(renamed.doc_key)
    assert (link.link_no, link.amend_direction) == (2, "down")  # 1,298.00 against November's 1,416.00
    assert ims.doc(AMENDMENT.doc_key).superseded_by == renamed.doc_key
    assert ims.counts() == {("122025", "b2ba", "N"): 1}


def test_deleting_a_saved_later_link_gives_the_previous_link_its_place_again() -> None:
    ims = InMemoryIms()
    ims.file(credit_note())
    up = amendment(credit_note(), 236_000)
    ims.file(up)
    draft = replace(amendment(credit_note(), 177_000, number="CN-1-N", version_hash="5" * 64), **SAVED)
    draft = replace(draft, doc_key="b2bcna|x|2025|CN-1-N", return_period="122025")
    ims.file(draft)
    assert ims.doc(up.doc_key).amended_by == draft.doc_key
    ims.file(draft, deleted=True)
    assert (ims.doc(up.doc_key).amended_by, ims.doc(up.doc_key).superseded_by) == (None, None)
    assert ims.counts() == {("112025", "b2bcna", "N"): 1}
