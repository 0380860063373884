"""The durable event log: a request's events are appended in the transaction that records its answer.

Guarantees: an event is in `event_log` exactly when the transaction that produced it committed, so an
answered request's events survive any broker loss; the log is append-only (the database refuses UPDATE,
DELETE and TRUNCATE, migration 0018); every appended row is queued for the relay by a trigger in the same
transaction, which also wakes the relay. Appending is one binary COPY: payloads go to PostgreSQL as they
are, with no text escaping, and a large filing streams from its spill file without being held in memory.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from services.common import requests
from services.common.codec import Codec
from services.common.envelope import Envelope
from services.common.events import Event
from services.common.ports import Ports
from services.common.settings import EVENTS_TOPIC

COLUMNS = (
    "topic",
    "msg_key",
    "event_type",
    "schema_version",
    "event_id",
    "occurred_at",
    "headers",
    "payload",
    "logged_ms",
)
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_FIELDS = struct.pack(">h", len(COLUMNS))
_INT4 = struct.Struct(">ii")
_INT8 = struct.Struct(">iq")
_LENGTH = struct.Struct(">i")


@dataclass(frozen=True, slots=True)
class Entry:
    """One event as the log keeps it: the payload is the Avro body, the envelope travels as headers."""

    topic: str
    key: str
    envelope: Envelope
    payload: bytes


def append_events(conn: Connection, codec: Codec, topic: str, events: Iterable[tuple[str, Envelope, Event]]) -> int:
    """Encode (key, envelope, event) triples and append them (`append`); an envelope that names another type
    or version than its event's is refused (`EnvelopeError`) and nothing is appended."""
    return append(
        conn,
        (Entry(topic, key, envelope, codec.encode(envelope.checked(event))) for key, envelope, event in events),
    )


def append(conn: Connection, entries: Iterable[Entry]) -> int:
    """Append in the caller's transaction; returns the number of events. Nothing is visible to the relay
    (or anyone) until that transaction commits, and nothing remains of it if it rolls back."""
    stream = _CopyStream(entries)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(
            f"COPY event_log ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT binary)", stream, size=1 << 20
        )
    finally:
        cursor.close()
    return stream.count


def _text(value: str) -> bytes:
    raw = value.encode()
    return _LENGTH.pack(len(raw)) + raw


def _row(entry: Entry, logged_ms: int) -> bytes:
    envelope = entry.envelope
    headers = json.dumps([[k, v.decode("utf-8", "replace")] for k, v in envelope.to_headers()]).encode()
    return b"".join(
        (
            _FIELDS,
            _text(entry.topic),
            _text(entry.key),
            _text(envelope.event_type),
            _INT4.pack(4, envelope.schema_version),
            _text(envelope.event_id),
            _text(envelope.occurred_at),
            _LENGTH.pack(len(headers) + 1),
            b"\x01",  # jsonb's binary form: a version byte, then the text
            headers,
            _LENGTH.pack(len(entry.payload)),
            entry.payload,
            _INT8.pack(8, logged_ms),
        )
    )


class _CopyStream:
    """A file-like view of the binary COPY data, produced row by row as PostgreSQL reads it."""

    def __init__(self, entries: Iterable[Entry]):
        self.count = 0
        self._chunks = self._generate(iter(entries))
        self._chunk = b""
        self._at = 0

    def _generate(self, entries: Iterator[Entry]) -> Iterator[bytes]:
        yield _SIGNATURE
        for entry in entries:
            self.count += 1
            yield _row(entry, int(time.time() * 1000))
        yield _TRAILER

    def read(self, size: int = -1) -> bytes:
        """At most `size` bytes of one row (psycopg2 sends whatever it gets and stops at b"")."""
        if self._at >= len(self._chunk):
            self._chunk, self._at = next(self._chunks, b""), 0
        end = len(self._chunk) if size < 0 else self._at + size
        out = self._chunk[self._at : end]
        self._at += len(out)
        return out

    readline = read  # psycopg2 asks for it only in text mode


def log_event(
    ports: Ports,
    recipient: str,
    event: Event,
    actor: str,
    answer: tuple[str, str, dict[str, Any]] | None = None,
) -> None:
    """Log one period event; `answer` (reference id, kind, REQSTS answer) is recorded in the same transaction."""
    topic = ports.settings.topic(EVENTS_TOPIC)
    with ports.engine.begin() as conn:
        append_events(conn, ports.codec, topic, [(recipient, Envelope.of(event, actor=actor), event)])
        if answer is not None:
            reference, kind, response = answer
            requests.record(conn, reference, kind, recipient, response, None)
