"""Migration 0016: outbox and history rows written before it read as they were; a downgrade restores full rows."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from services.actions.notifier import outbox
from services.actions.views import history
from services.common.db import make_engine
from services.common.migrations import downgrade, upgrade

RECORD = {
    "supplier": "27AAPFU0939F1ZV",
    "recipient": "29AABCR1718E1ZL",
    "cause_event_id": "event-1",
    "documents": [
        {"doc_key": "b2bcn|27AAPFU0939F1ZV|2025-26|CN-1", "section": "b2bcn", "number": "cn-1",
         "doc_date": "2025-10-15", "action": "R", "remarks": "not ordered", "liability_addback_igst": 18000,
         "liability_addback_cgst": 0, "liability_addback_sgst": 0, "liability_addback_cess": 0},
        {"doc_key": "b2b|27AAPFU0939F1ZV|2025-26|INV-1", "section": "b2b", "number": "INV-1",
         "doc_date": "2025-10-16", "action": "A", "remarks": None, "liability_addback_igst": 0,
         "liability_addback_cgst": 0, "liability_addback_sgst": 0, "liability_addback_cess": 0},
    ],
}  # fmt: skip
COMPACT = (
    "INSERT INTO notification_outbox (cause_event_id, supplier, recipient, doc_keys, sections, numbers, doc_dates, "
    "actions, remarks, addback_igst, addback_cgst, addback_sgst, addback_cess) VALUES ('event-2', :s, :r, "
    "ARRAY['b2bcn|27AAPFU0939F1ZV|2025-26|CN-1', 'b2b|27AAPFU0939F1ZV|2025-26|INV-1'], ARRAY['b2bcn', 'b2b'], "
    "ARRAY['cn-1', 'INV-1'], ARRAY[DATE '2025-10-15', DATE '2025-10-16'], ARRAY['R', 'A'], ARRAY['not ordered', NULL], "
    "ARRAY[18000, NULL], ARRAY[0, NULL], ARRAY[0, NULL], ARRAY[0, NULL]::bigint[])"
)


WIDE = (
    "INSERT INTO ims_history (recipient, doc_key, position, event_id, event_type, occurred_at, actor, what, detail) "
    "VALUES (:r, 'b2b|x|2025-26|INV-1', 1, 'event-0', 'DocumentsFiled', '2025-11-11T10:00:00+00:00', 'filer', "
    '\'filed\', CAST(\'{"hash": "h", "status": "filed"}\' AS jsonb))'
)
NARROW = (
    "INSERT INTO ims_history_events VALUES ('event-3', :r, 'ActionsTaken', '2025-11-20T10:00:00+00:00', 'ap-team', "
    "'ref-3'); INSERT INTO ims_history (recipient, doc_key, position, event_id, what, prev, remarks) "
    "VALUES (:r, 'b2b|x|2025-26|INV-1', 2, 'event-3', 'action_R', 'N', 'short supply')"
)
HISTORY = [
    ("DocumentsFiled", "event-0", "2025-11-11T10:00:00+00:00", "filer", "filed", {"hash": "h", "status": "filed"}),
    ("ActionsTaken", "event-3", "2025-11-20T10:00:00+00:00", "ap-team", "action_R",
     {"reference_id": "ref-3", "remarks": "short supply", "prev": "N"}),
]  # fmt: skip


def _history(conn) -> list[tuple]:  # type: ignore[no-untyped-def,type-arg]
    query = "SELECT event_type, event_id, occurred_at, actor, what, detail FROM ims_history ORDER BY position"
    return [tuple(row) for row in conn.execute(text(query)).all()]


def _rows(conn) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    rows = conn.execute(text(f"SELECT {', '.join(outbox.COLUMNS)} FROM notification_outbox")).all()
    return {row[0]: outbox.notification(*row).to_record() for row in rows}


def test_rows_from_before_the_compact_forms_read_unchanged_and_a_downgrade_restores_full_rows(
    isolated_settings,
) -> None:  # type: ignore[no-untyped-def]
    settings = isolated_settings
    assert settings.database_url
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        upgrade(engine, settings.db_schema, "0015")
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO notification_outbox (cause_event_id, supplier, recipient, record) "
                    "VALUES ('event-1', :s, :r, CAST(:j AS jsonb))"
                ),
                {"s": RECORD["supplier"], "r": RECORD["recipient"], "j": json.dumps(RECORD)},
            )
            conn.execute(text(WIDE), {"r": RECORD["recipient"]})
        upgrade(engine, settings.db_schema)
        with engine.begin() as conn:
            assert _rows(conn) == {"event-1": RECORD}
            conn.execute(text(NARROW), {"r": RECORD["recipient"]})
            read = conn.execute(
                text(f"SELECT event_type, event_id, occurred_at, actor, what, detail FROM ({history.ROWS}) AS h "
                     "ORDER BY position")
            ).all()  # fmt: skip
            assert [tuple(row) for row in read] == HISTORY
            conn.execute(text(COMPACT), {"s": RECORD["supplier"], "r": RECORD["recipient"]})
            assert _rows(conn)["event-2"] == {**RECORD, "cause_event_id": "event-2"}

        downgrade(engine, settings.db_schema, "0015")
        with engine.begin() as conn:
            records: dict[str, Any] = dict(
                conn.execute(text("SELECT cause_event_id, record FROM notification_outbox")).all()
            )
        assert records == {"event-1": RECORD, "event-2": {**RECORD, "cause_event_id": "event-2"}}
        with engine.begin() as conn:
            assert _history(conn) == HISTORY
    finally:
        engine.dispose()
