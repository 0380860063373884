"""The snapshot step (`ims snapshot`; `ims scheduler` runs it every `IMS_SNAPSHOT_INTERVAL_S`): keeps each
large recipient's snapshots close enough that an as-of view's tail costs less than `IMS_SNAPSHOT_BUDGET_MS`.

Cut rule: walking the recipient's placed events after its latest snapshot request by request (events that
share a correlation id: a filing's or a bulk action's chunks), a snapshot is cut after the first request at
which the projection work since the latest snapshot reached the budget. For an instant outside one request's
span, a view's tail is then the requests before the next cut: less than the budget. A request that alone
costs more (a GSTR-2B of a million documents, a large filing) ends up right before a cut, so it is never in
a tail, except for instants inside its own span.

Work is measured, not estimated: a trial applies the tail on the latest snapshot's tables in a transaction
rolled back at the first cut (so it costs at most the budget plus one request); only then are the tables
copied. Snapshots come from the log through the projection code, never from the live read model, so each is
exactly the state a view that starts from the first event reaches at the same position. Recipients whose
events weigh less than `IMS_SNAPSHOT_FROM_BYTES` get none: a view rebuilds them from the first event cheaply.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import structlog
from sqlalchemy import Connection, text

from services.actions.views import asof_log, snapshots
from services.actions.views.asof_apply import Replayer
from services.actions.views.asof_log import Position
from services.actions.views.snapshots import Snapshot
from services.common.ports import Ports
from services.common.settings import EVENTS_TOPIC

log = structlog.get_logger()


def run_pass(container: Ports, recipients: Sequence[str] | None = None) -> list[Snapshot]:
    """Sweep, then bring every recipient with new placed events (or the named ones) up to date."""
    live = container.settings.db_schema
    retired = sweep(container)
    snapshots.ensure_template(container.engine, live)
    with container.engine.connect() as conn:
        watermark, top = _window(conn, live, reset=retired > 0)
        due = recipients or _due(conn, container, watermark, top)
    built = [snapshot for recipient in due for snapshot in refresh(container, recipient)]
    if recipients is None:
        with container.engine.begin() as conn:
            conn.execute(text(f'UPDATE "{live}".ims_snapshot_watermark SET seq = :s'), {"s": top})
    return built


def _window(conn: Connection, live: str, reset: bool) -> tuple[int, int]:
    """Events after the watermark, up to the last one before any the relay has not placed yet."""
    watermark = 0 if reset else int(conn.execute(text(f'SELECT seq FROM "{live}".ims_snapshot_watermark')).scalar_one())
    top = conn.execute(
        text(
            f'SELECT least((SELECT max(seq) FROM "{live}".event_log), '
            f'(SELECT min(seq) - 1 FROM "{live}".event_relay_queue))'
        )
    ).scalar()
    return watermark, max(watermark, int(top or 0))


def _due(conn: Connection, container: Ports, watermark: int, top: int) -> list[str]:
    live, settings = container.settings.db_schema, container.settings
    rows = conn.execute(
        text(
            f'SELECT msg_key FROM "{live}".event_log WHERE topic = :t AND msg_key IN (SELECT DISTINCT msg_key '
            f'FROM "{live}".event_log WHERE seq > :w AND seq <= :top AND topic = :t) '
            "GROUP BY msg_key HAVING sum(octet_length(payload)) >= :least ORDER BY msg_key"
        ),
        {"t": settings.topic(EVENTS_TOPIC), "w": watermark, "top": top, "least": settings.snapshot_from_bytes},
    )
    return [r for (r,) in rows]


def refresh(container: Ports, recipient: str) -> list[Snapshot]:
    """Cut every snapshot the recipient's placed events call for; one builder per recipient at a time."""
    key = snapshots.lock_key(f"{container.settings.db_schema}/build/{recipient}")
    built: list[Snapshot] = []
    with container.engine.connect() as guard:
        guard.execution_options(isolation_level="AUTOCOMMIT")  # a session lock, not an open transaction
        if not guard.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
            return built
        try:
            while (snapshot := _next(container, recipient)) is not None:
                built.append(snapshot)
        finally:
            guard.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
    return built


def _next(container: Ports, recipient: str) -> Snapshot | None:
    """Trial on the latest snapshot's tables, then (if a cut is due) the copy. From no snapshot, the trial
    runs on a clone of the empty template, which then becomes the snapshot itself."""
    settings, live = container.settings, container.settings.db_schema
    schema = snapshots.new_name(live, recipient)
    with container.engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        transaction = conn.begin()
        current = asof_log.epoch(conn, live)
        base, after = _latest(conn, live, recipient, current)
        tail = asof_log.positions(
            conn, live, settings.topic(EVENTS_TOPIC), recipient, current, after, None, unplaced=False
        )
        if base is None:
            snapshots.clone_template(conn, live, schema)
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": snapshots.lock_key(base.schema + "/tail")})
            conn.execute(text(f'SET LOCAL search_path TO "{base.schema}"'))
        started = time.perf_counter()
        replayer = Replayer(conn, container, recipient, current, fresh=base is None)
        upto = _apply_until_cut(replayer, tail, settings.snapshot_budget_ms)
        if upto is not None and base is None:
            snapshot = _keep(replayer, schema, None, tail[:upto], started)
            transaction.commit()
            return snapshot
        transaction.rollback()
        if upto is None or base is None:
            return None
        with conn.begin():
            if not snapshots.hold(conn, base, snapshots.revision(conn, live)):
                return None
            started = time.perf_counter()
            snapshots.clone(conn, base.schema, schema, rows=True)
            replayer = Replayer(conn, container, recipient, current, fresh=False)
            replayer.analyze()  # statistics are not copied with the rows
            replayer.apply(tail[:upto])
            return _keep(replayer, schema, base, tail[:upto], started)


def _latest(
    conn: Connection, live: str, recipient: str, current: int
) -> tuple[Snapshot | None, tuple[int, int] | None]:
    revision = snapshots.revision(conn, live)
    for found in snapshots.candidates(conn, live, recipient, None):
        if snapshots.hold(conn, found, revision):
            after = asof_log.anchor(conn, live, current, found.last_seq)
            if after is not None:
                return found, after
    return None, None


def _apply_until_cut(replayer: Replayer, tail: list[Position], budget_ms: int) -> int | None:
    """Apply request by request; the number of events up to the first request at which the work reached
    the budget, or None if all of them together stay under it."""
    spent = 0.0
    done = 0
    for request in _requests(tail):
        started = time.perf_counter()
        replayer.apply(request)
        spent += (time.perf_counter() - started) * 1000
        done += len(request)
        if spent >= budget_ms:
            log.info("snapshot_cut", recipient=replayer.recipient, events=done, work_ms=round(spent))
            return done
    return None


def _requests(tail: list[Position]) -> list[list[Position]]:
    groups: list[list[Position]] = []
    for position in tail:
        if groups and groups[-1][-1].correlation == position.correlation:
            groups[-1].append(position)
        else:
            groups.append([position])
    return groups


def _keep(replayer: Replayer, schema: str, base: Snapshot | None, applied: list[Position], started: float) -> Snapshot:
    """Register the tables now on the search path as the snapshot after `applied`; commits with the caller."""
    conn, live, recipient = replayer.conn, replayer.live, replayer.recipient
    snapshots.empty_scratch(conn, schema)
    replayer.analyze()  # a view's tail is planned with these
    moments = [p.occurred_at for p in applied] + ([base.max_occurred_at] if base else [])
    snapshot = Snapshot(schema, recipient, (base.events if base else 0) + len(applied), applied[-1].seq, max(moments))
    documents = int(conn.execute(text(f'SELECT count(*) FROM "{schema}".ims_documents')).scalar_one())
    build_ms = round((time.perf_counter() - started) * 1000)
    snapshots.register(conn, live, snapshot, documents, build_ms)
    log.info(
        "snapshot_taken",
        recipient=recipient,
        schema=schema,
        events=snapshot.events,
        documents=documents,
        build_ms=build_ms,
    )
    return snapshot


def sweep(container: Ports) -> int:
    """Drop snapshots of an older migration, emptied by a crash, beyond the newest IMS_SNAPSHOT_KEEP of a
    recipient (except the last of each month), and schemas under the prefix that no catalog row names.
    Returns how many were dropped for a reason other than age (the step then looks at every recipient)."""
    live, keep = container.settings.db_schema, container.settings.snapshot_keep
    with container.engine.connect() as conn:
        # schemas first: one committed after this read is not looked at; one before has its catalog row
        found = conn.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname ~ :p"), {"p": snapshots.name_pattern(live)}
        )
        schemas = {name for (name,) in found}
        revision = snapshots.revision(conn, live)
        rows = conn.execute(
            text(
                f'SELECT schema_name, recipient, revision, max_occurred_at FROM "{live}".ims_snapshots '
                "ORDER BY recipient, events DESC"
            )
        ).all()
        broken = {name for name, _, made, _ in rows if made != revision or snapshots.sentinel(conn, name) != revision}
        aged: set[str] = set()
        months: set[tuple[str, str]] = set()
        rank: dict[str, int] = {}
        for name, recipient, _, moment in rows:
            if name in broken:
                continue
            rank[recipient] = rank.get(recipient, 0) + 1
            month = (recipient, moment[:7])
            if rank[recipient] > keep and month in months:
                aged.add(name)
            months.add(month)
        stray = schemas - {name for name, *_ in rows}
    for name in sorted(broken | aged | stray):
        snapshots.drop(container.engine, live, name)
        log.info("snapshot_dropped", schema=name, reason="age" if name in aged else "stale")
    return len(broken | stray)


def drop_all(container: Ports) -> int:
    """Every snapshot goes (after `ims replay`, whose projection code may differ from theirs); the next pass
    looks at every recipient again."""
    live = container.settings.db_schema
    with container.engine.connect() as conn:
        names = [n for (n,) in conn.execute(text(f'SELECT schema_name FROM "{live}".ims_snapshots'))]
    for name in names:
        snapshots.drop(container.engine, live, name)
    with container.engine.begin() as conn:
        conn.execute(text(f'UPDATE "{live}".ims_snapshot_watermark SET seq = 0'))
    return len(names)
