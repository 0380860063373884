"""What an accepted invoice amendment counts in GSTR-2B, by its original and the reduction answer (docs/rules.md
§3 ITC reduction, §5 amendments), on real PostgreSQL through `builder.generate`."""

from __future__ import annotations

from dataclasses import replace
from typing import TypedDict, Unpack

import pytest
from sqlalchemy import text

from services.actions.domain.model import ImsDocument
from services.actions.projector import store
from services.common.gst.periods import Period
from services.gstr2b import builder, counting

pytestmark = pytest.mark.integration
RECIPIENT = "29AABCM7710Q1ZX"
SUPPLIER = "27AAPFK4821M1ZT"

ORIGINAL = ImsDocument(
    recipient=RECIPIENT, doc_key="", original_key=None, section="b2b", supplier=SUPPLIER, number="",
    doc_date="2025-09-10", note_type=None, orig_number=None, orig_date=None, inv_typ="R", pos="29",
    reverse_charge=False, source_form="R1", return_period="092025", value=1_180_000, taxable=1_000_000,
    igst=100_000, cgst=0, sgst=0, cess=0, version_hash="0" * 64, route="ims", part="itcavl", reason="",
    filing_status="filed", filed_on="2025-10-11", gstr2b_period="092025", ecom_operator=None, diff_percent=None,
    port_code=None, action="A", frozen=True,
)  # fmt: skip


class Answer(TypedDict, total=False):
    """What acting on an amendment sets on it: the action and an accept's ITC-reduction answer."""

    action: str
    itc_red_req: str | None
    decl_igst: int | None


def _pair(name: str, original_action: str, original_frozen: bool = True, **answer: Unpack[Answer]) -> list[ImsDocument]:
    """An original of September (taken or rejected by its GSTR-3B, or still open) and its downward
    October amendment (IGST 1,000.00 -> 600.00), accepted with `answer`."""
    original = replace(ORIGINAL, doc_key=f"b2b|{name}", number=name, action=original_action, frozen=original_frozen)
    amendment = replace(
        ORIGINAL, doc_key=f"b2ba|{name}", original_key=original.doc_key, section="b2ba", number=name,
        orig_number=name, orig_date="2025-09-10", return_period="102025", gstr2b_period="102025",
        filed_on="2025-11-11", value=708_000, taxable=600_000, igst=60_000, amend_direction="down", frozen=False,
        **answer,
    )  # fmt: skip
    if not original_frozen:  # an amendment arriving while its original is still in IMS supersedes it (§5)
        original = replace(original, superseded_by=amendment.doc_key)
    return [replace(original, amended_by=amendment.doc_key), replace(amendment, link_no=1)]


CASES: dict[str, tuple[str, bool, Answer, int]] = {
    # name: (original's action, original frozen, the answer on accepting the amendment, IGST counted)
    "taken-default": ("A", True, {"itc_red_req": "Y"}, -40_000),  # the difference from what was taken
    "taken-no": ("A", True, {"itc_red_req": "N"}, 0),  # "No": never availed or already reversed
    "taken-partial": ("A", True, {"itc_red_req": "Y", "decl_igst": 30_000}, -30_000),  # the declared reduction
    "deemed-no": ("N", True, {"itc_red_req": "N"}, 0),  # deemed accepted counts as taken
    "rejected-default": ("R", True, {"itc_red_req": "Y"}, 60_000),  # original rejected: the full amended value
    "rejected-no": ("R", True, {"itc_red_req": "N"}, 60_000),
    "rejected-partial": ("R", True, {"itc_red_req": "Y", "decl_igst": 30_000}, 60_000),
    "open-no": ("A", False, {"itc_red_req": "N"}, 60_000),  # the original never reached a GSTR-3B
    "open-partial": ("A", False, {"itc_red_req": "Y", "decl_igst": 30_000}, 60_000),
}


def test_an_amendment_reduces_itc_only_against_an_original_that_was_taken(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    documents = [
        doc for name, (action, frozen, answer, _) in CASES.items() for doc in _pair(name, action, frozen, **answer)
    ]
    with engine.begin() as conn:
        store.save(conn, documents, [])
        version = builder.generate(conn, RECIPIENT, Period.parse("102025"), "2025-11-14", "test", "event-1")
        lines = conn.execute(
            text(
                f"SELECT doc_key, {counting.counted('igst')}, igst, itc_red_req FROM gstr2b_lines "
                "WHERE recipient = :r AND period = '102025' AND version = :v"
            ),
            {"r": RECIPIENT, "v": version},
        ).all()
    counted = {key: igst for key, igst, _, _ in lines}
    assert counted == {f"b2ba|{name}": igst for name, (*_, igst) in CASES.items()}
    # a line lists the difference (or, against no original taken, the amended value) and keeps the answer
    # beside it only where the answer decided what it counts (docs/rules.md §7.4)
    listed = {key: (igst, answer) for key, _, igst, answer in lines}
    assert listed["b2ba|taken-partial"] == listed["b2ba|taken-default"] == (-40_000, "Y")
    assert listed["b2ba|taken-no"] == listed["b2ba|deemed-no"] == (-40_000, "N")
    assert listed["b2ba|rejected-no"] == listed["b2ba|open-partial"] == (60_000, None)


def test_an_upward_credit_note_amendment_counts_only_the_increase_accepted_or_left_alone(stack) -> None:  # type: ignore[no-untyped-def]
    """A September credit note (IGST 1,800.00) accepted and frozen, amended upward in October to 2,700.00:
    accepted with the default "Yes" (no amounts) or left at No Action, the October GSTR-2B reduces ITC by
    the increase, 900.00, as the September one already reduced the 1,800.00."""
    _, engine = stack
    note = replace(ORIGINAL, section="b2bcn", note_type="C", value=1_180_000, igst=180_000)
    documents = []
    answers: tuple[tuple[str, Answer], ...] = (
        ("accepted", {"action": "A", "itc_red_req": "Y"}),
        ("left-alone", {"action": "N"}),
    )
    for name, answer in answers:
        original = replace(note, doc_key=f"b2bcn|{name}", number=name)
        amendment = replace(
            note, doc_key=f"b2bcna|{name}", original_key=original.doc_key, section="b2bcna", number=name,
            orig_number=name, orig_date="2025-09-10", return_period="102025", gstr2b_period="102025",
            filed_on="2025-11-11", value=1_770_000, taxable=1_500_000, igst=270_000, amend_direction="up",
            frozen=False, link_no=1, **answer,
        )  # fmt: skip
        documents += [replace(original, amended_by=amendment.doc_key), amendment]
    with engine.begin() as conn:
        store.save(conn, documents, [])
        version = builder.generate(conn, RECIPIENT, Period.parse("102025"), "2025-11-14", "test", "event-1")
        counted = conn.execute(
            text(
                "SELECT doc_key, block, bucket, section, igst FROM gstr2b_lines "
                "WHERE recipient = :r AND period = '102025' AND version = :v"
            ),
            {"r": RECIPIENT, "v": version},
        ).all()
    assert sorted(tuple(row) for row in counted) == [
        ("b2bcna|accepted", "itcavl", "othersup", "cdnra", 90_000),
        ("b2bcna|left-alone", "itcavl", "othersup", "cdnra", 90_000),
    ]
