"""The durable log as files: what a replay from the archive reads, dumped by one checkout, loaded by another.

`event_log` (every column, `seq` included), `event_placements`, `broker_epochs` and `relay_acks`, each a
gzip'd binary COPY in key order: bytes and jsonb go through untouched, and the same rows give the same
file (gzip without a timestamp). Loading appends to a freshly migrated schema; the relay queue the
`event_log` trigger fills is emptied, since every loaded event is already placed.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

from sqlalchemy import Engine, text

TABLES = {
    "event_log": (
        "seq, topic, msg_key, event_type, schema_version, event_id, occurred_at, headers, payload, logged_ms",
        "seq",
    ),
    "event_placements": ('epoch, topic, partition, "offset", seq', 'epoch, topic, partition, "offset"'),
    "broker_epochs": ("epoch, begun_on", "epoch"),
    "relay_acks": ("epoch, topic, partition, next_offset", "epoch, topic, partition"),
}


def _file(directory: Path, table: str) -> Path:
    return directory / f"{table}.copy.gz"


def dump(engine: Engine, directory: Path) -> dict[str, int]:
    """Write each table of the log to `directory`; returns rows per table."""
    directory.mkdir(parents=True, exist_ok=True)
    rows: dict[str, int] = {}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, (columns, order) in TABLES.items():
            buffer = io.BytesIO()
            query = f"COPY (SELECT {columns} FROM {table} ORDER BY {order}) TO STDOUT WITH (FORMAT binary)"
            cursor.copy_expert(query, buffer)
            _file(directory, table).write_bytes(gzip.compress(buffer.getvalue(), compresslevel=9, mtime=0))
            cursor.execute(f"SELECT count(*) FROM {table}")
            row = cursor.fetchone()
            assert row is not None  # count(*) answers one row
            rows[table] = int(row[0])
        raw.rollback()
    finally:
        raw.close()
    return rows


def load(engine: Engine, directory: Path) -> None:
    """Append the dumped log to the (migrated, empty) schema of `engine`, in one transaction."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, (columns, _) in TABLES.items():
            target = table
            if table == "broker_epochs":  # the migration already recorded epoch 0
                cursor.execute("CREATE TEMP TABLE loaded_epochs (LIKE broker_epochs) ON COMMIT DROP")
                target = "loaded_epochs"
            data = io.BytesIO(gzip.decompress(_file(directory, table).read_bytes()))
            cursor.copy_expert(f"COPY {target} ({columns}) FROM STDIN WITH (FORMAT binary)", data)
        cursor.execute("INSERT INTO broker_epochs SELECT * FROM loaded_epochs ON CONFLICT (epoch) DO NOTHING")
        cursor.execute("DELETE FROM event_relay_queue")
        cursor.execute("SELECT setval(pg_get_serial_sequence('event_log', 'seq'), (SELECT max(seq) FROM event_log))")
        raw.commit()
    finally:
        raw.close()


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table: int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()) for table in TABLES}
