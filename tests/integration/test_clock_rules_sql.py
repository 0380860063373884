"""The clock's SQL (services/actions/projector/periods.py) decides as the Python definitions on edge-case dates
(real PostgreSQL): the section 16(4) deadline (`periods.section_16_4_deadline`), which Pending documents
pass it (`pending.past_section_16_4`) and whose one-period window is over (`pending.window_over`)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from sqlalchemy import text

from services.actions.domain.model import ImsDocument
from services.actions.domain.pending import past_section_16_4, window_over
from services.actions.projector import periods, store
from services.common.gst.periods import GST_START, LAST_SUPPORTED_DATE, section_16_4_deadline
from services.common.gst.sections import SECTIONS

RECIPIENT = "29AAAAA0000A1Z5"
SUPPLIER = "27BBBBB0000B1Z5"
MONTH_EDGES = tuple(date(y, m, 1) - timedelta(days=d) for y in (2024, 2025) for m in range(1, 13) for d in (0, 1))
# either side of a financial year's first day, leap days, the deadline's own day, the calendar's ends
EDGE_DATES = (
    GST_START, date(2018, 3, 31), date(2018, 4, 1), date(2019, 11, 30), date(2020, 2, 29), date(2024, 2, 29),
    date(2024, 12, 31), date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 1), date(2025, 11, 30),
    date(2026, 3, 31), date(2098, 4, 1), LAST_SUPPORTED_DATE, *MONTH_EDGES,
)  # fmt: skip


def around(day: date) -> list[str]:
    return [(day + timedelta(days=d)).isoformat() for d in (-1, 0, 1)]


def document(index: int, section: str, doc_date: str, **fields: object) -> ImsDocument:
    return ImsDocument(
        recipient=RECIPIENT, doc_key=f"{section}|{SUPPLIER}|x|N{index:05d}", original_key=None, section=section,
        supplier=SUPPLIER, number=f"N{index:05d}", doc_date=doc_date, note_type=None, orig_number=None,
        orig_date=None, inv_typ="R", pos="29", reverse_charge=False, source_form="R1", return_period="102025",
        value=100, taxable=100, igst=18, cgst=0, sgst=0, cess=0, version_hash=f"{index:064x}", route="ims",
        part="ims", reason="", filing_status="filed", filed_on="2025-11-11", gstr2b_period="102025",
        ecom_operator=None, diff_percent=None, port_code=None, action="P", **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def matching(conn, predicate: str, today: str) -> set[str]:  # type: ignore[no-untyped-def]
    rows = conn.execute(
        text(f"SELECT doc_key FROM ims_documents WHERE recipient = :r AND {predicate}"), {"r": RECIPIENT, "d": today}
    )
    return {key for (key,) in rows}


def test_the_sql_16_4_deadline_is_section_16_4_deadline_on_edge_dates(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    with engine.connect() as conn:
        rows = conn.execute(
            text(f"SELECT d, {periods.section_16_4_deadline_sql('d')} FROM unnest(CAST(:days AS date[])) AS t(d)"),
            {"days": list(EDGE_DATES)},
        ).all()
    assert [(day, section_16_4_deadline(day)) for day in EDGE_DATES] == [tuple(row) for row in rows]


def test_the_clock_time_bars_the_pending_documents_past_section_16_4_and_no_others(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    product = enumerate(itertools.product(SECTIONS, EDGE_DATES))
    docs = [document(i, kind.key, day.isoformat()) for i, (kind, day) in product]
    todays = sorted({today for day in EDGE_DATES for today in around(section_16_4_deadline(day))})
    with engine.begin() as conn:
        store.save(conn, docs, [])
        barred = 0
        for today in todays:
            expected = {doc.doc_key for doc in docs if past_section_16_4(doc, today)}
            assert matching(conn, periods.PAST_SECTION_16_4, today) == expected, today
            barred += len(expected)
        conn.rollback()
    assert barred > 0


def test_the_clock_deems_accepted_the_blocked_documents_whose_window_is_over_and_no_others(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    dated = ["2025-12-20", "2026-01-22", "2026-02-28", "2026-03-20"]
    deadlines = [None, *dated]
    docs = [
        document(i, kind.key, "2025-10-15", pending_blocked=blocked, pending_deadline=deadline)
        for i, (kind, blocked, deadline) in enumerate(itertools.product(SECTIONS, (False, True), deadlines))
    ]
    todays = sorted({today for deadline in dated for today in around(date.fromisoformat(deadline))})
    with engine.begin() as conn:
        store.save(conn, docs, [])
        over = 0
        for today in todays:
            expected = {doc.doc_key for doc in docs if window_over(doc, today)}
            assert matching(conn, periods.WINDOW_OVER, today) == expected, today
            over += len(expected)
        conn.rollback()
    assert over > 0
