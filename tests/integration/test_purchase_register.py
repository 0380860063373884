"""The purchase register on the real PostgreSQL (docs/rules.md §10.1): the booking side tells new, changed and
unchanged vouchers apart and logs only what changed; the projection keeps one row per voucher with its latest
version, and applying an event again changes nothing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import Engine, text

from services.bootstrap import Container, load_codec
from services.common.digest import table_digest
from services.common.envelope import Envelope
from services.common.events import Event, PurchaseCancelledV1, PurchasesBookedV1
from services.common.runner import Delivered
from services.recon import handlers
from services.recon.domain.purchases import Purchase
from services.recon.domain.register import Checked
from services.recon.projection import ReconProjection

pytestmark = pytest.mark.integration
BUYER = "29AABCR1718E1ZL"
FIRST = Purchase(
    "PV-1", "27AAPFU0939F1ZV", "INV", "INV/1", "2025-10-05", "29", "N", 100000, 18000, 0, 0, 0, "2025-10-07", "", "", ()
)
SECOND = replace(FIRST, voucher_id="PV-2", inum="INV/2", tags=(("cost_centre", "BLR-01"),))


def _delivered(offset: int, event: Event) -> Delivered[Event]:
    return Delivered("events", 0, offset, BUYER, Envelope.of(event, event_id=f"event-{offset}"), event, b"", (), 0)


def _apply(engine: Engine, *batch: Delivered[Event]) -> None:
    with engine.begin() as conn:
        ReconProjection("events").apply(conn, batch)


def _booked(*purchases: Purchase, version: int = 1) -> PurchasesBookedV1:
    return PurchasesBookedV1("ref", BUYER, 0, 1, [handlers.voucher_of(p, version) for p in purchases])


def _rows(engine: Engine) -> dict[str, tuple[Any, ...]]:
    query = "SELECT voucher_id, version_hash, version, txval, tags, cancelled, booked_by_event FROM recon_purchases"
    with engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(text(query))}


def test_a_voucher_takes_each_higher_version_and_cancelling_marks_it_until_booked_again(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    changed = replace(FIRST, txval=120000)
    _apply(engine, _delivered(1, _booked(FIRST, SECOND)), _delivered(2, _booked(FIRST)))
    rows = _rows(engine)
    assert rows["PV-1"] == (FIRST.version_hash, 1, 100000, {}, False, "event-1")
    assert rows["PV-2"][3] == {"cost_centre": "BLR-01"}
    _apply(
        engine, _delivered(3, _booked(changed, version=2)), _delivered(4, PurchaseCancelledV1("r", BUYER, "PV-2", 2))
    )
    rows = _rows(engine)
    assert rows["PV-1"] == (changed.version_hash, 2, 120000, {}, False, "event-3")
    assert rows["PV-2"][4] is True
    _apply(engine, _delivered(5, _booked(SECOND, version=3)))
    assert _rows(engine)["PV-2"][1:] == (3, 100000, {"cost_centre": "BLR-01"}, False, "event-5")


def test_redelivered_or_older_events_change_nothing(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    batch = (
        _delivered(1, _booked(FIRST, SECOND)),
        _delivered(2, PurchaseCancelledV1("r", BUYER, "PV-2", 2)),
        _delivered(3, PurchaseCancelledV1("r", BUYER, "PV-9", 2)),
    )
    _apply(engine, *batch)
    with engine.connect() as conn:
        before = table_digest(conn, "recon_purchases")
    _apply(engine, *batch)
    _apply(engine, batch[0])
    _apply(engine, batch[1])
    with engine.connect() as conn:
        assert table_digest(conn, "recon_purchases") == before
    assert before[0] == 2


def test_the_booking_side_counts_new_changed_and_unchanged_and_logs_only_what_changed(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    ports = Container(settings, engine, load_codec())

    def logged() -> int:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM event_log")).scalar_one())

    first = handlers.book(ports, BUYER, Checked([FIRST, SECOND], []), "test", None)
    assert (first["status_cd"], first["proc_cnt"], first["vouchers"]) == (
        "P",
        2,
        {"new": 2, "changed": 0, "unchanged": 0},
    )
    assert logged() == 1
    again = handlers.book(ports, BUYER, Checked([FIRST, replace(SECOND, cess=100)], []), "test", None)
    assert again["vouchers"] == {"new": 0, "changed": 1, "unchanged": 1}
    assert logged() == 2
    cancelled = handlers.cancel(ports, BUYER, ["PV-1", "PV-1", "PV-7"], "test", None)
    assert cancelled["vouchers"] == {"cancelled": 1, "unchanged": 1}
    assert [(e["row"], e["error_cd"]) for e in cancelled["error_report"]["purchases"]] == [(3, "NOT_FOUND")]
    assert cancelled["status_cd"] == "PE" and logged() == 3
    revived = handlers.book(ports, BUYER, Checked([FIRST], []), "test", "key-1")
    assert revived["vouchers"] == {"new": 0, "changed": 1, "unchanged": 0}
    assert handlers.book(ports, BUYER, Checked([FIRST], []), "test", "key-1") == revived
    assert logged() == 4
