"""Snapshots of one recipient's IMS read model: where as-of views start instead of the first event.

A snapshot is derived state, never the system of record: the IMS projection applied to the recipient's
first `events` events of the log, in the order the projector applies them, kept in a schema of its own.
Its tables are UNLOGGED (no WAL for a copy of a million documents); a crash empties them, and with them the
one-row `asof_snapshot` table, so a snapshot whose row is missing is never used and is dropped by the sweep.
Dropping every snapshot loses nothing: views then start from the first event (slower), and the snapshot
step builds them again.

Schemas: `<prefix>template` holds the empty tables (revision-checked, rebuilt after a migration); a view
that starts from the first event clones it inside its own transaction. `<prefix>s_<recipient>_<hex>` are
snapshots, registered in `ims_snapshots` in the transaction that creates them, so a killed builder leaves
nothing. Readers hold a shared advisory lock on a snapshot's name; dropping takes it exclusively.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from services.actions.projector.projection import ImsProjection

RELATIONS = (*ImsProjection.tables, "notification_outbox", "deadline_outbox")
# Written by the projection, never read by it nor by an as-of answer: emptied before a snapshot is kept.
SCRATCH = ("ims_history", "ims_history_events", "ims_refusals", "notification_outbox", "deadline_outbox")
SENTINEL = "asof_snapshot"


@dataclass(frozen=True, slots=True)
class Snapshot:
    schema: str
    recipient: str
    events: int
    last_seq: int
    max_occurred_at: str


def prefix(live: str) -> str:
    """Every schema of the as-of views of `live` starts so (63-character identifiers leave room)."""
    return f"{live}_asof_" if len(live) <= 30 else f"asof{hashlib.sha1(live.encode()).hexdigest()[:10]}_"


def name_pattern(live: str) -> str:
    """A regular expression matching exactly the names `new_name` gives (not another schema's snapshots)."""
    return f"^{prefix(live)}(s_[a-z0-9]{{15}}|v)_[0-9a-f]{{8}}$"


def template_name(live: str) -> str:
    return prefix(live) + "template"


def new_name(live: str, recipient: str | None) -> str:
    kind = f"s_{recipient.lower()}" if recipient else "v"
    return f"{prefix(live)}{kind}_{uuid.uuid4().hex[:8]}"


def lock_key(schema: str) -> int:
    return int.from_bytes(hashlib.sha1(schema.encode()).digest()[:8], "big", signed=True)


def revision(conn: Connection, live: str) -> str:
    return str(conn.execute(text(f'SELECT version_num FROM "{live}".alembic_version')).scalar_one())


def ensure_template(engine: Engine, live: str) -> None:
    """The empty tables views clone; made again when a migration changed the live ones."""
    name = template_name(live)
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(name)})
        current = revision(conn, live)
        if sentinel(conn, name) == current:
            return
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        clone(conn, live, name, rows=False)
        conn.execute(text(f'INSERT INTO "{name}".{SENTINEL} (revision) VALUES (:v)'), {"v": current})


def clone_template(conn: Connection, live: str, target: str) -> None:
    """Empty tables for a view or snapshot that starts from the first event; the template cannot be
    rebuilt under it (`ensure_template` takes the lock exclusively)."""
    name = template_name(live)
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": lock_key(name)})
    clone(conn, name, target, rows=False)


def sentinel(conn: Connection, schema: str) -> str | None:
    """The revision a snapshot's tables were shaped by; None when the schema is gone or a crash emptied it."""
    if conn.execute(text("SELECT to_regclass(:t)"), {"t": f'"{schema}".{SENTINEL}'}).scalar() is None:
        return None
    found = conn.execute(text(f'SELECT revision FROM "{schema}".{SENTINEL}')).scalar()
    return None if found is None else str(found)


def clone(conn: Connection, source: str, target: str, *, rows: bool) -> None:
    """`target` gets `source`'s tables (and their rows unless `rows` is False), unlogged. Rows are copied
    before the indexes are built (a sorted build, not a million random inserts). DDL is read with the
    source first on the search path, so it names nothing by schema, and run with the target there."""
    conn.execute(text(f'CREATE SCHEMA "{target}"'))
    conn.execute(text(f'SET LOCAL search_path TO "{source}"'))
    kinds: dict[str, str] = dict(
        conn.execute(
            text("SELECT c.relname, c.relkind FROM pg_class c WHERE c.relnamespace = CAST(:s AS regnamespace)"),
            {"s": f'"{source}"'},
        ).all()
    )
    tables = [t for t in (*RELATIONS, SENTINEL) if kinds.get(t) in ("r", "p")]
    views = [
        (v, conn.execute(text("SELECT pg_get_viewdef(CAST(:v AS regclass))"), {"v": v}).scalar_one().rstrip("; \n"))
        for v in RELATIONS
        if kinds.get(v) == "v"
    ]
    indexes = {t: _index_ddl(conn, t) for t in tables}
    conn.execute(text(f'SET LOCAL search_path TO "{target}"'))
    for table in tables:
        conn.execute(text(f'CREATE UNLOGGED TABLE {table} (LIKE "{source}".{table} INCLUDING ALL EXCLUDING INDEXES)'))
        _own_sequences(conn, table)
        if rows and table not in SCRATCH and table != SENTINEL:
            conn.execute(text(f'INSERT INTO {table} SELECT * FROM "{source}".{table}'))
        for ddl in indexes[table]:
            conn.execute(text(ddl))
    if SENTINEL not in tables:
        conn.execute(
            text(f"CREATE UNLOGGED TABLE {SENTINEL} (recipient text, revision text NOT NULL, last_seq bigint)")
        )
    for view, definition in views:
        conn.execute(text(f"CREATE VIEW {view} AS {definition}"))


def _index_ddl(conn: Connection, table: str) -> list[str]:
    rows = conn.execute(
        text(
            "SELECT pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid) FROM pg_index i "
            "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x') "
            "WHERE i.indrelid = CAST(:t AS regclass) ORDER BY i.indexrelid"
        ),
        {"t": table},
    ).all()
    # pg_get_indexdef names the table with its schema whatever the search path: leave the schema out
    return [
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" if name else _QUALIFIED.sub(r" ON \1", index, 1)
        for index, name, definition in rows
    ]


_QUALIFIED = re.compile(r' ON ((?:ONLY )?)(?:"[^"]+"|[^ ."]+)\.')


def _own_sequences(conn: Connection, table: str) -> None:
    """LIKE copies a serial column's default, which would draw numbers from the live table's sequence."""
    columns = conn.execute(
        text(
            "SELECT a.attname FROM pg_attribute a JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = CAST(:t AS regclass) AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%'"
        ),
        {"t": table},
    ).scalars()
    for column in list(columns):
        conn.execute(text(f"CREATE SEQUENCE {table}_{column}_asof"))
        conn.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT nextval('{table}_{column}_asof')"))


def empty_scratch(conn: Connection, schema: str) -> None:
    for table in SCRATCH:
        conn.execute(text(f'TRUNCATE "{schema}".{table}'))


_CATALOG = "schema_name, recipient, events, last_seq, max_occurred_at"


def candidates(conn: Connection, live: str, recipient: str, instant: str | None) -> list[Snapshot]:
    """The recipient's snapshots of the current shape, latest first; with an instant, those that hold no
    event that occurred after it (max_occurred_at grows along the log, so these are the earlier ones)."""
    rows = conn.execute(
        text(
            f'SELECT {_CATALOG} FROM "{live}".ims_snapshots WHERE recipient = :r AND revision = :v '
            "AND (CAST(:at AS text) IS NULL OR max_occurred_at <= :at) ORDER BY events DESC LIMIT 3"
        ),
        {"r": recipient, "v": revision(conn, live), "at": instant},
    ).all()
    return [Snapshot(*row) for row in rows]


def hold(conn: Connection, snapshot: Snapshot, revision_: str) -> bool:
    """Keep the snapshot from being dropped until the transaction ends; False if it is gone or emptied."""
    conn.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": lock_key(snapshot.schema)})
    return sentinel(conn, snapshot.schema) == revision_


def register(conn: Connection, live: str, snapshot: Snapshot, documents: int, build_ms: int) -> None:
    conn.execute(
        text(
            f'INSERT INTO "{snapshot.schema}".{SENTINEL} (recipient, revision, last_seq) '
            f'SELECT :r, version_num, :s FROM "{live}".alembic_version'
        ),
        {"r": snapshot.recipient, "s": snapshot.last_seq},
    )
    conn.execute(
        text(
            f'INSERT INTO "{live}".ims_snapshots ({_CATALOG}, revision, documents, build_ms) '
            f'SELECT :n, :r, :e, :s, :m, version_num, :d, :b FROM "{live}".alembic_version'
        ),
        {
            "n": snapshot.schema,
            "r": snapshot.recipient,
            "e": snapshot.events,
            "s": snapshot.last_seq,
            "m": snapshot.max_occurred_at,
            "d": documents,
            "b": build_ms,
        },
    )


def drop(engine: Engine, live: str, schema: str) -> None:
    """Waits for the views reading it; its catalog row goes first, so no new view picks it meanwhile."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key(schema)})
        conn.execute(text(f'DELETE FROM "{live}".ims_snapshots WHERE schema_name = :n'), {"n": schema})
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
