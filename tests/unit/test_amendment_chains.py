"""Amendment chains (IMS-RULES §5, services/actions/domain/chains.py): a link's place in its chain, and when a
report under a filed amendment's key is a later link."""

from __future__ import annotations

from dataclasses import replace

from services.actions.domain.chains import base_of, instance_key, link_number, reamends
from tests.unit.test_pending_blocked import ORIGINAL

AMENDMENT = replace(ORIGINAL, doc_key="b2ba|x", original_key="b2b|x", section="b2ba", return_period="102025", link_no=1)


def test_a_link_takes_the_place_after_the_link_it_amends() -> None:
    assert link_number(None) == 1  # the original is not known: a first amendment
    assert link_number(ORIGINAL) == 1
    assert link_number(replace(AMENDMENT, link_no=1)) == 2
    assert link_number(replace(AMENDMENT, link_no=2)) == 3


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
