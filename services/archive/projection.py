"""The append-only event archive: every message of every topic, as received, for audits and replay.

The primary key (topic, partition, offset) makes redelivery a no-op; the database refuses UPDATE and
DELETE on the table (trigger in migration 0002), so history cannot be rewritten through this code or SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, text

from services.common.runner import Delivered

_INSERT = text(
    'INSERT INTO event_archive (epoch, topic, partition, "offset", msg_key, event_type, schema_version, '
    "event_id, occurred_at, headers, payload, broker_ts) "
    "SELECT (SELECT max(epoch) FROM broker_epochs), * FROM unnest(CAST(:topic AS text[]), CAST(:part AS int[]), "
    "CAST(:off AS bigint[]), "
    "CAST(:key AS text[]), CAST(:etype AS text[]), CAST(:ver AS int[]), CAST(:eid AS text[]), "
    "CAST(:occ AS text[]), CAST(:hdr AS jsonb[]), CAST(:payload AS bytea[]), CAST(:ts AS bigint[])) "
    "ON CONFLICT DO NOTHING"
)


class ArchiveProjection:
    name = "archive"
    tables: tuple[str, ...] = ("event_archive",)

    def __init__(self, topics: tuple[str, ...]):
        self.topics: tuple[str, ...] = topics

    def apply(self, conn: Connection, batch: Sequence[Delivered]) -> None:
        conn.execute(
            _INSERT,
            {
                "topic": [m.topic for m in batch],
                "part": [m.partition for m in batch],
                "off": [m.offset for m in batch],
                "key": [m.key for m in batch],
                "etype": [m.envelope.event_type for m in batch],
                "ver": [m.envelope.schema_version for m in batch],
                "eid": [m.envelope.event_id for m in batch],
                "occ": [m.envelope.occurred_at for m in batch],
                "hdr": [json.dumps([[k, v.decode("utf-8", "replace")] for k, v in m.headers]) for m in batch],
                "payload": [m.value for m in batch],
                "ts": [m.timestamp_ms for m in batch],
            },
        )
