"""Set-based consequences of period events: GSTR-3B filing freezes a period; the clock expires windows.

Each runs inside the projector's transaction after the batch's earlier events were flushed, and rebuilds
the recipient's counts, so its effect is the same whatever the batch boundaries were.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from services.actions.projector import store
from services.actions.projector.batch import POSITION_SCALE
from services.common.events import ClockAdvancedV1, Event, Gstr3bFiledV1
from services.common.gst.periods import FINANCIAL_YEAR_FIRST_MONTH, SECTION_16_4_MONTH_DAY
from services.common.gst.sections import sections_where
from services.common.quoting import sql_list
from services.common.runner import Delivered


def section_16_4_deadline_sql(doc_date: str) -> str:
    """periods.section_16_4_deadline of a date column, in SQL: generated from its constants, and
    tests/integration/test_clock_rules_sql.py compares the two on edge-case dates."""
    month, day = SECTION_16_4_MONTH_DAY
    return (
        f"make_date(extract(year FROM {doc_date})::int + CASE WHEN extract(month FROM {doc_date}) >= "
        f"{FINANCIAL_YEAR_FIRST_MONTH} THEN 1 ELSE 0 END, {month}, {day})"
    )


# For a document still Pending in IMS, unfrozen, on the clock's day :d: pending.window_over and
# pending.past_section_16_4, restated for the set-based update (tests/integration/test_clock_rules_sql.py).
WINDOW_OVER = "pending_blocked AND pending_deadline < :d"
TIME_LIMITED = f"section NOT IN {sql_list(sections_where(lambda s: not s.itc_time_limited))}"
SECTION_16_4_DEADLINE = section_16_4_deadline_sql("doc_date")
PAST_SECTION_16_4 = f"{TIME_LIMITED} AND {SECTION_16_4_DEADLINE} < :d"


def _history(message: Delivered[Event], what: str, updated_cte: str) -> str:
    """SQL that records `what` for every row the CTE `changed` returned."""
    return (
        f"WITH changed AS ({updated_cte}) "
        "INSERT INTO ims_history (recipient, doc_key, position, event_id, event_type, occurred_at, actor, what, "
        "detail) SELECT recipient, doc_key, :pos, :eid, :etype, :occ, :actor, "
        f"'{what}', CAST(:detail AS jsonb) FROM changed"
    )


def _params(message: Delivered[Event], **extra: object) -> dict[str, object]:
    return {
        "pos": message.offset * POSITION_SCALE,
        "eid": message.envelope.event_id,
        "etype": message.envelope.event_type,
        "occ": message.envelope.occurred_at,
        "actor": message.envelope.actor,
        **extra,
    }


def freeze(conn: Connection, message: Delivered[Gstr3bFiledV1]) -> None:
    """The first GSTR-3B filing of a period freezes what its latest GSTR-2B holds, as that GSTR-2B counted
    it: an action taken after generation without a recompute did not reach the filed return, so the
    document freezes with the action its line carries (history `frozen` says `counted_as`), and the
    supplier view, amendment chains and Rule 37A see what the GSTR-3B took. A repeated filing (say a
    client's retry) changes nothing. **Our rule**: a document of the period that no statement holds, one
    kept Pending at generation and decided afterwards without a recompute, stays in IMS and is carried
    into the next GSTR-2B, so its ITC is not lost. A period filed before any GSTR-2B of it was generated
    freezes its own decided documents."""
    recipient, period, filed_on = message.event.recipient, message.event.period, message.event.filed_on
    first = conn.execute(
        text(
            "INSERT INTO ims_periods (recipient, period, gstr3b_filed_on) VALUES (:r, :p, :d) "
            "ON CONFLICT DO NOTHING RETURNING period"
        ),
        {"r": recipient, "p": period, "d": filed_on},
    ).first()
    if first is None:
        return
    params = _params(message, r=recipient, p=period, detail=json.dumps({"period": period}))
    conn.execute(text(_FREEZE_HELD), params)
    conn.execute(
        text(
            _history(
                message,
                "frozen",
                "UPDATE ims_documents d SET frozen = true WHERE recipient = :r AND action <> 'P' AND NOT frozen "
                # no statement of the period generated yet: the documents belonging to it
                "AND gstr2b_period = :p AND NOT EXISTS (SELECT 1 FROM gstr2b_versions v "
                "WHERE v.recipient = :r AND v.period = :p) AND NOT EXISTS (SELECT 1 FROM ims_itc_periods i "
                "WHERE i.recipient = d.recipient AND i.doc_key = d.doc_key) "
                "RETURNING recipient, doc_key",
            )
        ),
        params,
    )
    store.recount(conn, recipient)


# The documents the period's latest statement holds (its lines; Rule 37A reversal lines repeat documents
# of other statements), frozen with the action and remarks that statement counted.
_FREEZE_HELD = """
WITH counted AS (
    SELECT l.doc_key, l.action, l.remarks, l.action <> d.action AS reverted FROM gstr2b_lines l
    JOIN ims_documents d ON d.recipient = l.recipient AND d.doc_key = l.doc_key
    WHERE l.recipient = :r AND l.period = :p AND l.block <> 'itcrev' AND NOT d.frozen
      AND l.version = (SELECT max(version) FROM gstr2b_versions WHERE recipient = :r AND period = :p)
), changed AS (
    UPDATE ims_documents d SET frozen = true, action = c.action,
        prev_action = CASE WHEN c.reverted THEN d.action ELSE d.prev_action END,
        remarks = CASE WHEN c.reverted THEN c.remarks ELSE d.remarks END
    FROM counted c WHERE d.recipient = :r AND d.doc_key = c.doc_key
    RETURNING d.recipient, d.doc_key, c.reverted, c.action
)
INSERT INTO ims_history (recipient, doc_key, position, event_id, event_type, occurred_at, actor, what, detail)
SELECT recipient, doc_key, :pos, :eid, :etype, :occ, :actor, 'frozen',
    CAST(:detail AS jsonb) || CASE WHEN reverted THEN jsonb_build_object('counted_as', action) ELSE '{}' END
FROM changed
"""


def advance_clock(conn: Connection, message: Delivered[ClockAdvancedV1]) -> None:
    recipient, today = message.event.recipient, message.event.date
    conn.execute(
        text(
            "INSERT INTO ims_clock (recipient, today) VALUES (:r, :d) "
            "ON CONFLICT (recipient) DO UPDATE SET today = greatest(ims_clock.today, excluded.today)"
        ),
        {"r": recipient, "d": today},
    )
    conn.execute(
        text(
            _history(
                message,
                "deemed_accepted",
                "UPDATE ims_documents SET action = 'N', prev_action = 'P', deemed = true "
                f"WHERE recipient = :r AND action = 'P' AND {WINDOW_OVER} "
                "AND NOT frozen RETURNING recipient, doc_key",
            )
        ),
        _params(message, r=recipient, d=today, detail=json.dumps({"reason": "pending window over"})),
    )
    # Our rule: an invoice or debit note still Pending at its section 16(4) limit leaves IMS for
    # "ITC not available" with reason C (pending.past_section_16_4).
    conn.execute(
        text(
            _history(
                message,
                "time_barred",
                "UPDATE ims_documents SET route = 'gstr2b', part = 'itcunavl', reason = 'C' "
                f"WHERE recipient = :r AND action = 'P' AND route = 'ims' AND NOT frozen AND {PAST_SECTION_16_4} "
                "RETURNING recipient, doc_key",
            )
        ),
        _params(message, r=recipient, d=today, detail=json.dumps({"reason": "section 16(4) limit"})),
    )
    store.recount(conn, recipient)
