"""Migration 0020: scratch schemas earlier as-of views left behind go; a downgrade takes the snapshots along."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from services.actions.views import snapshots
from services.common.migrations import downgrade, upgrade

pytestmark = pytest.mark.integration


def _exists(engine, schema: str) -> bool:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return bool(conn.execute(text("SELECT count(*) FROM pg_namespace WHERE nspname = :n"), {"n": schema}).scalar())


def test_the_upgrade_drops_scratch_schemas_of_killed_as_of_views_and_a_downgrade_drops_the_snapshots(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    live = settings.db_schema
    downgrade(engine, live, "0019")
    leftover = f"asof_{uuid.uuid4().hex[:12]}"  # what a killed call of an earlier version left
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {leftover}"))
        conn.execute(text(f"CREATE TABLE {leftover}.ims_documents (doc_key text)"))
    upgrade(engine, live)
    assert not _exists(engine, leftover)

    snapshots.ensure_template(engine, live)
    kept = snapshots.new_name(live, "29AABCR1718E1ZL")
    with engine.begin() as conn:
        snapshots.clone(conn, snapshots.template_name(live), kept, rows=False)
        snapshots.register(conn, live, snapshots.Snapshot(kept, "29AABCR1718E1ZL", 1, 1, "2025-11-01"), 0, 0)
    assert _exists(engine, kept) and _exists(engine, snapshots.template_name(live))
    downgrade(engine, live, "0019")
    assert not _exists(engine, kept) and not _exists(engine, snapshots.template_name(live))
    upgrade(engine, live)
