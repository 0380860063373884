"""The sweep drops snapshots a crash emptied, those beyond the newest kept (not the last of a month) and
schemas named like snapshots that no catalog row names; another schema's snapshots are not its business."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from services.actions.views import snapshot_step, snapshots
from services.bootstrap import build_container

pytestmark = pytest.mark.integration
RECIPIENT = "29AABCR1718E1ZL"


def _snapshot(engine, live: str, events: int, moment: str, registered: bool = True) -> str:  # type: ignore[no-untyped-def]
    name = snapshots.new_name(live, RECIPIENT)
    with engine.begin() as conn:
        snapshots.clone_template(conn, live, name)
        if registered:
            snapshots.register(conn, live, snapshots.Snapshot(name, RECIPIENT, events, events, moment), 0, 0)
    return name


def _schemas(engine) -> set[str]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return {n for (n,) in conn.execute(text("SELECT nspname FROM pg_namespace"))}


def test_the_sweep_drops_emptied_aged_and_stray_snapshots_and_keeps_the_last_of_each_month(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    live = settings.db_schema
    snapshots.ensure_template(engine, live)
    november = _snapshot(engine, live, 1, "2025-11-28T10:00:00.000000+00:00")
    older = _snapshot(engine, live, 2, "2025-12-01T10:00:00.000000+00:00")
    newest = _snapshot(engine, live, 3, "2025-12-02T10:00:00.000000+00:00")
    emptied = _snapshot(engine, live, 4, "2025-12-03T10:00:00.000000+00:00")
    with engine.begin() as conn:  # what crash recovery does to an unlogged table
        conn.execute(text(f'TRUNCATE "{emptied}".asof_snapshot'))
    stray = _snapshot(engine, live, 5, "2025-12-04T10:00:00.000000+00:00", registered=False)
    others = snapshots.new_name(f"{live}_asof", RECIPIENT)  # a schema named `<live>_asof` has its own
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{others}"'))
    container = build_container(replace(settings, snapshot_keep=1))
    try:
        assert snapshot_step.sweep(container) == 2  # emptied and stray: the next pass looks at every recipient
    finally:
        container.close()
    left = _schemas(engine)
    assert {november, newest, others, snapshots.template_name(live)} <= left
    assert not {older, emptied, stray} & left
    with engine.connect() as conn:
        kept = {n for (n,) in conn.execute(text("SELECT schema_name FROM ims_snapshots"))}
    assert kept == {november, newest}
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{others}"'))
