"""The deadline notices' SQL (services/actions/projector/deadlines.py) on real PostgreSQL: it announces exactly
what the GST calendar's Python definitions find approaching, each (document, kind, deadline) once whatever the
clock events that follow, in chunks of at most 1,000 documents; the notifier logs each row once."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import text

from services.actions.domain import deadlines as rules
from services.actions.domain.model import ImsDocument
from services.actions.domain.pending import ITC_TIME_LIMITED
from services.actions.notifier import deadlines as notifier
from services.actions.projector import deadlines, store
from services.bootstrap import build_container
from services.common.envelope import Envelope
from services.common.events import ClockAdvancedV1
from services.common.gst.periods import Period, gstr2b_generation_date, section_16_4_deadline
from services.common.runner import Delivered
from services.common.settings import DEADLINES_TOPIC

RECIPIENT = "29AAAAA0000A1Z5"
SUPPLIER = "27BBBBB0000B1Z5"


def document(index: int, section: str, **fields: object) -> ImsDocument:
    values: dict[str, object] = dict(
        recipient=RECIPIENT, doc_key=f"{section}|{SUPPLIER}|x|N{index:05d}", original_key=None, section=section,
        supplier=SUPPLIER, number=f"N{index:05d}", doc_date="2025-10-15", note_type=None, orig_number=None,
        orig_date=None, inv_typ="R", pos="29", reverse_charge=False, source_form="R1", return_period="102025",
        value=100, taxable=100, igst=18, cgst=0, sgst=0, cess=0, version_hash=f"{index:064x}", route="ims",
        part="ims", reason="", filing_status="filed", filed_on="2025-11-11", gstr2b_period="102025",
        ecom_operator=None, diff_percent=None, port_code=None, action="N",
    )  # fmt: skip
    values.update(fields)
    return ImsDocument(**values)  # type: ignore[arg-type]


def tick(conn, day: date, offset: int, quarterly: bool = False) -> None:  # type: ignore[no-untyped-def]
    event = ClockAdvancedV1(RECIPIENT, day.isoformat())
    envelope = Envelope.of(event, event_id=f"clock-{offset}")
    message = Delivered("events", 0, offset, RECIPIENT, envelope, event, b"", (), 0)
    deadlines.announce(conn, message, day.isoformat(), quarterly)


def announced(conn) -> list[tuple[str, str, date, date]]:  # type: ignore[no-untyped-def]
    """(doc_key, kind, deadline, clock day) of every document in the outbox, in outbox order."""
    rows = conn.execute(
        text("SELECT doc_keys, kind, deadline, clock_date FROM deadline_outbox ORDER BY seq")
    ).all()  # fmt: skip
    return [(key, kind, deadline, day) for keys, kind, deadline, day in rows for key in keys]


def expected_deadlines(doc: ImsDocument) -> set[tuple[str, date]]:
    """(kind, deadline) of a document by the Python definitions (docs/rules.md §3.1, §3.7, §3.8, §4.2)."""
    if doc.route != "ims" or doc.frozen or doc.superseded_by is not None:
        return set()
    found = set()
    if doc.action == "P" and doc.pending_blocked and doc.pending_deadline:
        found.add((rules.PENDING_WINDOW, date.fromisoformat(doc.pending_deadline)))
    if doc.action == "P" and doc.section in ITC_TIME_LIMITED:
        found.add((rules.LIMIT_16_4, section_16_4_deadline(date.fromisoformat(doc.doc_date))))
    if doc.action == "N" and doc.filing_status == "filed" and doc.gstr2b_period:
        found.add((rules.DEEMED_ACCEPTANCE, gstr2b_generation_date(Period.parse(doc.gstr2b_period), False)))
    return found


def test_each_approaching_deadline_is_announced_once_at_the_first_clock_day_within_the_horizon(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    sections = ["b2b", "b2bcn", "b2bdn", "isdcn", "impg", "b2ba"]
    others: list[dict[str, object]] = [
        {},
        {"frozen": True},
        {"superseded_by": "x"},
        {"route": "gstr2b"},
        {"filing_status": "saved", "gstr2b_period": None},
        {"gstr2b_period": "112025"},
    ]
    variants = itertools.product(
        sections,
        ("N", "P", "A", "R"),
        (None, "2025-12-20", "2025-12-27"),  # pending deadline (blocked when set)
        ("2024-06-01", "2025-10-15"),  # document dates: 16(4) limits 30-11-2025 and 30-11-2026
        others,
    )
    docs = [
        document(i, s, action=a, pending_blocked=window is not None, pending_deadline=window, doc_date=day, **extra)
        for i, (s, a, window, day, extra) in enumerate(variants)
    ]
    days = [date(2025, 11, 1) + timedelta(days=n) for n in range(70)]
    with engine.begin() as conn:
        store.save(conn, docs, [])
        for offset, day in enumerate(days):
            tick(conn, day, offset)
        found = announced(conn)
        conn.rollback()
    expected = sorted(
        (doc.doc_key, kind, deadline, next(day for day in days if rules.approaching(deadline, day)))
        for doc in docs
        for kind, deadline in expected_deadlines(doc)
        if any(rules.approaching(deadline, day) for day in days)
    )
    assert sorted(found) == expected
    assert {kind for _, kind, _, _ in found} == set(rules.KINDS)


def test_a_redelivered_or_later_clock_event_announces_nothing_again_and_a_passed_deadline_is_forgotten(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    note = document(1, "b2bcn", action="P", pending_blocked=True, pending_deadline="2025-12-20")
    with engine.begin() as conn:
        store.save(conn, [note], [])
        tick(conn, date(2025, 12, 16), 1)
        assert announced(conn) == []
        tick(conn, date(2025, 12, 17), 2)
        tick(conn, date(2025, 12, 17), 2)  # redelivered
        tick(conn, date(2025, 12, 18), 3)
        assert announced(conn) == [(note.doc_key, "pending_window", date(2025, 12, 20), date(2025, 12, 17))]
        assert conn.execute(text("SELECT count(*) FROM ims_deadlines_announced")).scalar() == 1
        tick(conn, date(2025, 12, 21), 4)
        assert conn.execute(text("SELECT count(*) FROM ims_deadlines_announced")).scalar() == 0


def test_a_quarterly_recipients_no_action_documents_are_announced_for_the_quarters_generation(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    docs = [document(i, "b2b", gstr2b_period=period) for i, period in enumerate(("102025", "112025", "122025"))]
    with engine.begin() as conn:
        store.save(conn, docs, [])
        tick(conn, date(2025, 12, 11), 1, quarterly=True)
        assert announced(conn) == []
        tick(conn, date(2026, 1, 11), 2, quarterly=True)
        assert sorted(announced(conn)) == [
            (doc.doc_key, "deemed_acceptance", date(2026, 1, 14), date(2026, 1, 11)) for doc in docs
        ]


def test_more_than_a_chunk_of_documents_goes_out_in_chunks_of_1000_counting_them_all(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    docs = [document(i, "b2bcn", action="P", pending_blocked=True, pending_deadline="2025-12-20") for i in range(2500)]
    with engine.begin() as conn:
        store.save(conn, docs, [])
        tick(conn, date(2025, 12, 18), 1)
        rows = conn.execute(
            text("SELECT chunk, chunks, total, cardinality(doc_keys), doc_keys FROM deadline_outbox ORDER BY seq")
        ).all()
    assert [tuple(row[:4]) for row in rows] == [(0, 3, 2500, 1000), (1, 3, 2500, 1000), (2, 3, 2500, 500)]
    assert [key for row in rows for key in row[4]] == sorted(doc.doc_key for doc in docs)

    container = build_container(settings)
    try:
        assert notifier.relay_once(container, limit=2) == 2
        assert notifier.relay_once(container, limit=2) == 1
        assert notifier.relay_once(container) == 0
    finally:
        container.close()
    with engine.connect() as conn:
        logged = conn.execute(
            text("SELECT msg_key, event_type, event_id FROM event_log WHERE topic = :t ORDER BY seq"),
            {"t": settings.topic(DEADLINES_TOPIC)},
        ).all()
        assert conn.execute(text("SELECT count(*) FROM deadline_outbox WHERE NOT sent")).scalar() == 0
    assert [(key, kind) for key, kind, _ in logged] == [(RECIPIENT, "DeadlineApproaching")] * 3
    assert len({event_id for _, _, event_id in logged}) == 3
