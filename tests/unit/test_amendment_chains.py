"""Amendment chains (IMS-RULES §5, services/actions/domain/chains.py): which link a new amendment counts its
GSTR-2B difference from, and when a report under a filed amendment's key is a later link."""

from __future__ import annotations

from dataclasses import replace

from services.actions.domain.chains import base_of, instance_key, reamends, taken_base
from tests.unit.test_pending_blocked import ORIGINAL

AMENDMENT = replace(
    ORIGINAL, doc_key="b2ba|x", original_key="b2b|x", section="b2ba", return_period="102025", base_key=None
)


def test_a_new_link_counts_against_the_latest_link_a_gstr3b_took() -> None:
    assert taken_base(None) is None  # no original known: the full value
    assert taken_base(replace(ORIGINAL, action="A", frozen=True)) == "b2b|x"
    assert taken_base(replace(ORIGINAL, action="N", frozen=True)) == "b2b|x"  # deemed accepted
    assert taken_base(replace(ORIGINAL, action="R", frozen=True)) is None  # rejected original: the full value
    assert taken_base(replace(ORIGINAL, action="A", frozen=False)) is None  # superseded before any GSTR-3B
    rejected_link = replace(AMENDMENT, action="R", frozen=True, base_key="b2b|x")
    assert taken_base(rejected_link) == "b2b|x"  # what the original's GSTR-3B took still stands
    open_link = replace(AMENDMENT, action="A", frozen=False, base_key="b2b|x")
    assert taken_base(open_link) == "b2b|x"
    assert taken_base(replace(AMENDMENT, action="A", frozen=True)) == "b2ba|x"


def test_only_a_later_return_amends_a_filed_amendment_again() -> None:
    assert reamends(AMENDMENT, "112025")
    assert reamends(AMENDMENT, "012026")
    assert not reamends(AMENDMENT, "102025")  # its own return: a filed document changes only by amendment
    assert not reamends(AMENDMENT, "092025")
    assert not reamends(replace(AMENDMENT, filing_status="saved"), "112025")  # a saved one is replaced
    assert not reamends(ORIGINAL, "112025")  # an original's key is never an amendment's
    assert not reamends(None, "112025")


def test_a_later_link_that_keeps_the_number_lives_beside_the_key() -> None:
    key = instance_key("b2ba|27AAPFK4821M1ZT|2025|INV-1", "112025")
    assert key == "b2ba|27AAPFK4821M1ZT|2025|INV-1@112025"
    assert base_of(key) == "b2ba|27AAPFK4821M1ZT|2025|INV-1"
    assert base_of("b2ba|27AAPFK4821M1ZT|2025|INV-1") == "b2ba|27AAPFK4821M1ZT|2025|INV-1"
