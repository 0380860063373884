"""Deadline notices of a clock event: the documents whose deadline came within the horizon, announced once.

Runs in the projector's transaction of the `ClockAdvanced` it belongs to, after the clock's own changes and
any GSTR-2B generation (so a document deemed accepted or time-barred today is not announced). One statement
selects every approaching (document, kind, deadline) of the recipient (services/actions/domain/deadlines.py),
records the ones not announced before in `ims_deadlines_announced`, and writes those to `deadline_outbox`,
chunked. Guarantees: a redelivered or later clock event announces nothing twice (the announced set's key);
a replay, applying the same clock events to the same documents, rebuilds the same set (the table is the
projection's) and the same rows, whose keys (clock event, kind, deadline, chunk) let the switch-over carry
only what the live consumer had not written (services/replay.py).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from services.actions.domain.deadlines import (
    DEEMED_ACCEPTANCE,
    LIMIT_16_4,
    PENDING_WINDOW,
    deemed_acceptance_dates,
    horizon_end,
)
from services.actions.projector.periods import SECTION_16_4_DEADLINE, TIME_LIMITED
from services.common.events import ClockAdvancedV1
from services.common.runner import Delivered

CHUNK = 1000  # documents per DeadlineApproaching event

_DOCUMENT = "d.doc_key, d.section, d.number, d.supplier, d.doc_date, d.return_period"
_ARRAYS = ("doc_key", "section", "number", "supplier", "doc_date", "return_period")

# Each live document's deadline of each kind, NULL where the kind does not apply: the one statement of when a
# document's deadlines fall, shared by the notices below and the dashboard's due-soon list (services/web/reads.py).
# The caller joins `g(period, generated)`: the GSTR-2B periods and the days their statements are generated. A
# document a generated GSTR-2B already holds (carried past its period's statement) has no deemed acceptance.
DEADLINES = f"""
CROSS JOIN LATERAL (VALUES
    ('{PENDING_WINDOW}', CASE WHEN d.action = 'P' AND d.pending_blocked THEN d.pending_deadline END),
    ('{LIMIT_16_4}', CASE WHEN d.action = 'P' AND {TIME_LIMITED} THEN {SECTION_16_4_DEADLINE} END),
    ('{DEEMED_ACCEPTANCE}', CASE WHEN d.action = 'N' AND d.filing_status = 'filed' AND d.doc_key NOT IN
        (SELECT i.doc_key FROM ims_itc_periods i WHERE i.recipient = :r AND i.doc_key IS NOT NULL)
        THEN g.generated END)
) AS k(kind, deadline)
"""
# The documents that may still meet a deadline: the recipient's, in IMS, not frozen, live, Pending or No Action.
UNDECIDED = (
    "d.recipient = :r AND d.route = 'ims' AND NOT d.frozen AND d.superseded_by IS NULL AND d.action IN ('P', 'N')"
)
GENERATED = (
    "LEFT JOIN unnest(CAST(:gp AS text[]), CAST(:gd AS date[])) AS g(period, generated) ON d.gstr2b_period = g.period"
)

# Every live document's deadlines of each kind, read in one pass over the recipient's documents: :d the clock
# day, :h the horizon's last day; (:gp, :gd) the GSTR-2B periods generated within it and their days.
APPROACHING = f"""
SELECT {_DOCUMENT}, k.kind, k.deadline FROM ims_documents d {GENERATED}
{DEADLINES}
WHERE {UNDECIDED} AND k.deadline BETWEEN :d AND :h
"""

_ANNOUNCE = f"""
WITH due AS ({APPROACHING}), fresh AS (
    INSERT INTO ims_deadlines_announced (recipient, doc_key, kind, deadline)
    SELECT :r, doc_key, kind, deadline FROM due ON CONFLICT DO NOTHING
    RETURNING doc_key, kind, deadline
), numbered AS (
    SELECT due.*, (row_number() OVER w - 1) / :size AS chunk, count(*) OVER (PARTITION BY kind, deadline) AS total
    FROM fresh JOIN due USING (doc_key, kind, deadline)
    WINDOW w AS (PARTITION BY kind, deadline ORDER BY doc_key)
)
INSERT INTO deadline_outbox (cause_event_id, cause_topic, cause_partition, cause_offset, recipient, kind, deadline,
    clock_date, chunk, chunks, total, doc_keys, sections, numbers, ctins, doc_dates, return_periods)
SELECT :eid, :topic, :partition, :offset, :r, kind, deadline, :d, chunk, (total + :size - 1) / :size, total,
    {", ".join(f"array_agg({c} ORDER BY doc_key)" for c in _ARRAYS)}
FROM numbered GROUP BY kind, deadline, chunk, total ORDER BY kind, deadline, chunk
ON CONFLICT DO NOTHING
"""


def announce(conn: Connection, message: Delivered[ClockAdvancedV1], today: str, quarterly: bool) -> None:
    """Announce what is approaching on the recipient's clock day `today` (ISO; the latest it has reached)."""
    day = date.fromisoformat(today)
    generated = sorted(deemed_acceptance_dates(day, quarterly).items())
    params = {"r": message.event.recipient, "d": day}
    # a deadline before the clock day never comes within the horizon again: its rows are done with
    conn.execute(text("DELETE FROM ims_deadlines_announced WHERE recipient = :r AND deadline < :d"), params)
    conn.execute(
        text(_ANNOUNCE),
        {
            **params,
            "h": horizon_end(day),
            "gp": [period for period, _ in generated],
            "gd": [when for _, when in generated],
            "eid": message.envelope.event_id,
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "size": CHUNK,
        },
    )
