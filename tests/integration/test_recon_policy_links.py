"""The reconciliation policy and manual links on the real PostgreSQL (docs/rules.md §10.2): the booking side numbers
the policy's versions and logs only a change; the projection keeps every version and each voucher's link, and
applying an event again, or an older one, changes nothing; the on-demand reconciliation reads them back."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import Engine, text

from services.bootstrap import Container, load_codec
from services.common.digest import table_digest
from services.common.envelope import Envelope
from services.common.events import Event, ReconLink, ReconLinksChangedV1, ReconPolicySetV1
from services.common.runner import Delivered
from services.recon import policy_links, sources
from services.recon.domain.documents import Link
from services.recon.domain.policy import DEFAULT_POLICY
from services.recon.domain.policy_body import fields_of
from services.recon.projection import ReconProjection

pytestmark = pytest.mark.integration
BUYER = "29AABCR1718E1ZL"
D1, D2 = "b2b|27AAPFU0939F1ZV|2025|INV-1", "b2b|27AAPFU0939F1ZV|2025|INV-2"


def _delivered(offset: int, event: Event) -> Delivered[Event]:
    return Delivered("events", 0, offset, BUYER, Envelope.of(event, event_id=f"event-{offset}"), event, b"", (), 0)


def _apply(engine: Engine, *batch: Delivered[Event]) -> None:
    with engine.begin() as conn:
        ReconProjection("events").apply(conn, batch)


def _policy_set(version: int, **changes: object) -> ReconPolicySetV1:
    fields = fields_of(replace(DEFAULT_POLICY, **changes))  # type: ignore[arg-type]
    return ReconPolicySetV1(f"ref-{version}", BUYER, version, **fields)


def _links(version: int, linked: list[tuple[str, str]], unlinked: list[str]) -> ReconLinksChangedV1:
    pairs: list[ReconLink] = [{"voucher_id": v, "doc_key": d} for v, d in linked]
    return ReconLinksChangedV1(f"ref-{version}", BUYER, version, 0, 1, pairs, unlinked)


def _logged(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM event_log")).scalar_one())


def test_the_policy_takes_the_next_version_only_when_it_changes(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    ports = Container(settings, engine, load_codec())
    same = policy_links.set_policy(ports, BUYER, DEFAULT_POLICY, "test", None)
    assert (same["version"], same["changed"], _logged(engine)) == (1, False, 0)
    wider = replace(DEFAULT_POLICY, taxable_tolerance=50_000)
    first = policy_links.set_policy(ports, BUYER, wider, "test", "key-1")
    assert (first["version"], first["changed"], first["policy"]["taxable_tolerance"]) == (2, True, 50_000)
    assert policy_links.set_policy(ports, BUYER, wider, "test", "key-1") == first
    assert policy_links.set_policy(ports, BUYER, wider, "test", None)["changed"] is False
    back = policy_links.set_policy(ports, BUYER, DEFAULT_POLICY, "test", None)
    assert (back["version"], back["changed"], _logged(engine)) == (3, True, 2)


def test_the_projection_keeps_every_policy_version_and_each_vouchers_latest_link(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    _apply(
        engine,
        _delivered(1, _policy_set(2, head_tolerance=500)),
        _delivered(2, _links(1, [("PV-1", D1), ("PV-2", D2)], [])),
        _delivered(3, _links(2, [("PV-3", D2)], ["PV-2"])),
    )
    with engine.connect() as conn:
        policy = sources.policy(conn, BUYER)
        assert (policy.version, policy.head_tolerance) == (2, 500)
        assert sources.links(conn, BUYER) == [Link("PV-1", D1), Link("PV-3", D2)]
        unlinked = conn.execute(text("SELECT doc_key, live, version FROM recon_links WHERE voucher_id = 'PV-2'")).one()
    assert tuple(unlinked) == (D2, False, 2)
    _apply(engine, _delivered(4, _policy_set(3, pan_level=False)))
    with engine.connect() as conn:
        assert sources.policy(conn, "27AAPFU0939F1ZV") == DEFAULT_POLICY
        assert (sources.policy(conn, BUYER).version, sources.policy(conn, BUYER).pan_level) == (3, False)


def test_redelivered_or_older_policy_and_link_events_change_nothing(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    batch = (
        _delivered(1, _policy_set(2, fuzzy_threshold=80)),
        _delivered(2, _links(1, [("PV-1", D1)], [])),
        _delivered(3, _links(2, [], ["PV-1"])),
    )
    _apply(engine, *batch)

    def digests() -> tuple[object, ...]:
        with engine.connect() as conn:
            return tuple(table_digest(conn, t) for t in ("recon_policies", "recon_links"))

    before = digests()
    _apply(engine, *batch)
    _apply(engine, batch[1])
    _apply(engine, batch[0])
    assert digests() == before
    with engine.connect() as conn:
        assert sources.links(conn, BUYER) == []


def test_links_are_behind_until_the_projection_has_the_booking_sides_latest_change(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack

    def behind() -> bool:
        with engine.connect() as conn:
            return sources.links_behind(conn, BUYER)

    assert behind() is False, "no links change ever"
    with engine.begin() as conn:  # the booking side numbered two changes (services/recon/policy_links.py)
        conn.execute(text("INSERT INTO recon_policy_heads (recipient, links_version) VALUES (:r, 2)"), {"r": BUYER})
    assert behind() is True
    _apply(engine, _delivered(1, _links(1, [("PV-1", D1)], [])))
    assert behind() is True, "the first change only"
    _apply(engine, _delivered(2, _links(2, [], ["PV-1"])))
    assert behind() is False, "an unlink is a change the projection holds too"
