"""Migration 0018: an existing archive becomes the durable log, in the order of the current epoch; an archive
an older `ims replay --all` re-stamped is detected, repaired where that is unambiguous, and reported."""

from __future__ import annotations

import json

from sqlalchemy import Engine, text

from services.archive.history import history
from services.common.db import make_engine
from services.common.migrations import downgrade, upgrade

TOPIC = "ims.events.v1"


def _archive(engine: Engine, rows: list[tuple[int, int]], restored: list[tuple[int, int, int, int]]) -> None:
    """Legacy rows (epoch, offset) of partition 0, event ids 'e<epoch>-<offset>'; restored_offsets
    (epoch, src_epoch, src_offset, new_offset); epochs as far as the rows and mappings go."""
    epochs = {e for e, _ in rows} | {r[0] for r in restored} | {0}
    with engine.begin() as conn:
        for epoch in sorted(epochs - {0}):
            conn.execute(text("INSERT INTO broker_epochs VALUES (:e, 'test')"), {"e": epoch})
        for epoch, offset in rows:
            conn.execute(
                text(
                    "INSERT INTO event_archive VALUES (:e, :t, 0, :o, 'K', 'ClockAdvanced', 1, :i, '2025-11-01', "
                    "CAST(:h AS jsonb), :p, 0)"
                ),
                {"e": epoch, "t": TOPIC, "o": offset, "i": f"e{epoch}-{offset}", "h": json.dumps([]), "p": b"x"},
            )
        for epoch, src_epoch, src_offset, new_offset in restored:
            conn.execute(
                text("INSERT INTO restored_offsets VALUES (:e, :t, 0, :se, :so, :n)"),
                {"e": epoch, "t": TOPIC, "se": src_epoch, "so": src_offset, "n": new_offset},
            )


def _migrated(isolated_settings, rows, restored):  # type: ignore[no-untyped-def]
    settings = isolated_settings
    engine = make_engine(settings.database_url, settings.db_schema)
    upgrade(engine, settings.db_schema, "0017")
    _archive(engine, rows, restored)
    upgrade(engine, settings.db_schema)
    return engine


def _ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [
            i
            for (i,) in conn.execute(
                text(
                    "SELECT l.event_id FROM event_placements p JOIN event_log l USING (seq) "
                    'WHERE p.epoch = (SELECT max(epoch) FROM broker_epochs) ORDER BY p."offset"'
                )
            )
        ]


def _findings(engine: Engine) -> list[tuple[str, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text("SELECT kind, events FROM event_log_findings"))]  # type: ignore[misc]


def test_an_archive_restored_once_becomes_the_log_in_the_order_of_the_current_epoch(isolated_settings) -> None:  # type: ignore[no-untyped-def]
    # epoch 0 published transactionally (markers between), republished at 0..2 in epoch 1, then two more
    engine = _migrated(
        isolated_settings, [(0, 0), (0, 2), (0, 4), (1, 3), (1, 4)], [(1, 0, 0, 0), (1, 0, 2, 1), (1, 0, 4, 2)]
    )
    try:
        assert _ids(engine) == ["e0-0", "e0-2", "e0-4", "e1-3", "e1-4"]
        assert [m.offset for m in history(engine, [TOPIC])] == [0, 1, 2, 3, 4]
        with engine.connect() as conn:
            epoch0 = conn.execute(text('SELECT "offset" FROM event_placements WHERE epoch = 0 ORDER BY 1')).scalars()
            assert list(epoch0) == [0, 2, 4], "the original positions stay on record"
            assert conn.execute(text("SELECT next_offset FROM relay_acks WHERE epoch = 1")).scalar() == 5
            assert conn.execute(text("SELECT count(*) FROM event_relay_queue")).scalar() == 0, "nothing to resend"
        assert _findings(engine) == []
    finally:
        engine.dispose()


def test_an_archive_restamped_by_an_old_replay_is_repaired_and_reported(isolated_settings) -> None:  # type: ignore[no-untyped-def]
    # a replay in epoch 1 rebuilt the archive labelled 0 with epoch-1 offsets 0..4; then 5, 6 archived live
    rows = [(0, o) for o in range(5)] + [(1, 5), (1, 6)]
    engine = _migrated(isolated_settings, rows, [(1, 0, 0, 0), (1, 0, 2, 1), (1, 0, 4, 2)])
    try:
        assert _ids(engine) == ["e0-0", "e0-1", "e0-2", "e0-3", "e0-4", "e1-5", "e1-6"]
        assert _findings(engine) == [("repaired", 5)]
    finally:
        engine.dispose()


def test_an_archive_damaged_beyond_repair_keeps_every_event_and_says_so(isolated_settings) -> None:  # type: ignore[no-untyped-def]
    rows = [(0, 0), (0, 7), (1, 0), (2, 0)]  # 0@7 was never mapped into epoch 2, nor 1@0 re-labelled
    engine = _migrated(isolated_settings, rows, [(2, 0, 0, 1)])
    try:
        assert _ids(engine) == ["e2-0", "e0-0"]
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM event_log")).scalar() == 4, "nothing dropped"
            legacy = conn.execute(text("SELECT count(*) FROM event_archive_legacy")).scalar()
        assert legacy == 4
        assert _findings(engine) == [("damaged", 2)]
    finally:
        engine.dispose()


def test_a_downgrade_puts_events_logged_since_back_into_the_archive(isolated_settings) -> None:  # type: ignore[no-untyped-def]
    engine = _migrated(isolated_settings, [(0, 0)], [])
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO event_log (topic, msg_key, event_type, schema_version, event_id, occurred_at, "
                    "headers, payload, logged_ms) VALUES (:t, 'K', 'ClockAdvanced', 1, 'new', '2025-11-02', '[]', "
                    "'y', 0)"
                ),
                {"t": TOPIC},
            )
            conn.execute(text("INSERT INTO event_placements VALUES (0, :t, 0, 1, 2)"), {"t": TOPIC})
        downgrade(engine, isolated_settings.db_schema, "0017")
        with engine.connect() as conn:
            found = conn.execute(text('SELECT event_id, "offset" FROM event_archive ORDER BY 2')).all()
        assert [tuple(r) for r in found] == [("e0-0", 0), ("new", 1)]
    finally:
        engine.dispose()
