"""The Kafka door of the purchase register: an ERP publishes vouchers to `ims.purchases.v1` (Avro, schema
`schemas/inbound/PurchaseRegisterEntry.v1.avsc`, keyed by the recipient's GSTIN) and they are booked or cancelled
exactly as `POST /v1/ims/{gstin}/purchases` and `.../purchases/cancel` would (docs/rules.md §10.1).

Guarantees:
- each message is taken exactly once: a run's bookings, its answer, the run's place in `recon_door_runs` and the
  door's offsets (`projection_checkpoints`, as the projections keep theirs) are committed in one transaction, and
  on assignment the consumer seeks to those offsets, never to Kafka's committed ones. A redelivered message is
  skipped, so an older version of a voucher re-read after a crash can never overwrite a newer one;
- messages of one partition are taken in order; consecutive messages of one recipient and operation make one run,
  one request of the log (`request_log`, kind `purchases`) answered in GSTN's REQSTS shape with `row` = the
  message's offset; `GET /v1/ims/{gstin}/purchases/kafka/{partition}/{offset}` finds the run of a message;
- a message that cannot be read (not Avro of the schema, a key that is not its recipient, no valid recipient) is
  never booked and never stops the door: with a recipient to tell it is an `INVALID_MESSAGE` error row of that
  recipient's run, otherwise a fault of the door (`projection_faults`, as `ims status` shows);
- a broker that lost its log (the embedded one keeps it in memory) starts the topic again from offset 0: the door
  notices by the relay's new epoch, or by a partition ending before its offset, and reads the topic from the start.

Anyone who may publish to the topic may book for any recipient: access to the topic is the broker's to grant.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import fastavro
import structlog
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from services.common import checkpoints
from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.common.gst.references import new_reference
from services.common.ports import Ports
from services.common.settings import PROJECT_ROOT, PURCHASES_TOPIC
from services.recon import handlers
from services.recon.domain.purchases import RowError
from services.recon.domain.register import check_rows

log = structlog.get_logger()
NAME = "door:purchases"  # its checkpoints and faults, beside the projections'
ACTOR = "kafka:" + PURCHASES_TOPIC
SCHEMA_PATH = PROJECT_ROOT / "schemas" / "inbound" / "PurchaseRegisterEntry.v1.avsc"
SCHEMA = fastavro.parse_schema(json.loads(SCHEMA_PATH.read_text()))
OPERATIONS = ("BOOK", "CANCEL")
ENVELOPE_FIELDS = ("recipient", "operation")
_NOT_SENT_WHEN_EMPTY = ("tags",)
RUN = text(
    "INSERT INTO recon_door_runs (topic, partition, epoch, first_offset, last_offset, recipient, reference_id) "
    "VALUES (:topic, :partition, :epoch, :first, :last, :recipient, :reference)"
)
FIND_RUN = text(
    "SELECT reference_id FROM recon_door_runs WHERE recipient = :r AND topic = :t AND partition = :p "
    "AND first_offset <= :o AND last_offset >= :o ORDER BY epoch DESC LIMIT 1"
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One message as the door reads it: whose, which operation, and the row as the JSON door would take it;
    `problem` says why it cannot be read (then `row` is empty)."""

    offset: int
    recipient: str
    operation: str
    row: Mapping[str, Any]
    problem: str = ""


def entry_of(offset: int, key: bytes | None, value: bytes | None) -> Entry | None:
    """The message at `offset` read, or None when no recipient can be told (a fault of the door)."""
    keyed = _gstin((key or b"").decode("utf-8", "replace"))
    try:
        decoded = fastavro.schemaless_reader(io.BytesIO(value or b""), SCHEMA, SCHEMA)
    except Exception as exc:  # fastavro raises many kinds for bytes of another schema
        reason = f"message: not Avro of PurchaseRegisterEntry v1 ({type(exc).__name__})"
        return Entry(offset, keyed, "BOOK", {}, reason) if keyed else None
    assert isinstance(decoded, dict)
    recipient = _gstin(decoded["recipient"])
    if not recipient:
        reason = f"recipient: {decoded['recipient'][:20]!r} is not a valid GSTIN"
        return Entry(offset, keyed, "BOOK", {}, reason) if keyed else None
    if keyed != recipient:
        reason = f"key: the message key must be the recipient's GSTIN {recipient}"
        return Entry(offset, recipient, "BOOK", {}, reason)
    row = {
        name: value
        for name, value in decoded.items()
        if name not in ENVELOPE_FIELDS and value is not None and not (name in _NOT_SENT_WHEN_EMPTY and not value)
    }
    return Entry(offset, recipient, decoded["operation"], row)


def encode(entry: Mapping[str, Any]) -> bytes:
    """A message value as an ERP writes it (amounts as Decimal): for tests, the bench and the demo."""
    out = io.BytesIO()
    fastavro.schemaless_writer(out, SCHEMA, dict(entry))
    return out.getvalue()


def _gstin(text_: str) -> str:
    try:
        return parse_gstin(text_.strip()).value
    except (InvalidGstin, AttributeError):
        return ""


def runs(entries: Iterable[Entry]) -> Iterator[list[Entry]]:
    """Consecutive entries of one recipient and operation (an unreadable one runs with its recipient's bookings),
    a voucher at most once in a run: a later message of the same voucher starts the next run, so it is taken
    after the earlier one (its next version), never refused as a repeat within one request."""
    current: list[Entry] = []
    seen: set[object] = set()
    for entry in entries:
        voucher = entry.row.get("voucher_id")
        kind = (entry.recipient, entry.operation)
        if current and (kind != (current[0].recipient, current[0].operation) or (voucher and voucher in seen)):
            yield current
            current, seen = [], set()
        current.append(entry)
        seen.add(voucher)
    if current:
        yield current


def take_run(conn: Connection, ports: Ports, topic: str, partition: int, epoch: int, run: list[Entry]) -> None:
    """Book or cancel one run in the caller's transaction and note where its answer is."""
    first, last, recipient = run[0].offset, run[-1].offset, run[0].recipient
    reference = new_reference(f"{topic}|{partition}|{epoch}|{first}")
    unreadable = [RowError(e.offset, "", "message", "INVALID_MESSAGE", e.problem) for e in run if e.problem]
    readable = [e for e in run if not e.problem]
    if run[0].operation == "CANCEL":
        ids = [str(e.row.get("voucher_id", "")).strip() for e in readable]
        answer = handlers.cancel_in(conn, ports, recipient, ids, ACTOR, reference, None, [e.offset for e in readable])
    else:
        checked = check_rows((e.offset, dict(e.row)) for e in readable)
        checked.errors.extend(unreadable)
        checked.errors.sort(key=lambda error: error.row)
        answer = handlers.book_in(conn, ports, recipient, checked, ACTOR, reference, None)
    params = {"topic": topic, "partition": partition, "epoch": epoch, "first": first, "last": last}
    conn.execute(RUN, params | {"recipient": recipient, "reference": reference})
    log.info("purchases_door_run", recipient=recipient, partition=partition, first=first, last=last,
             reference_id=reference, status_cd=answer["status_cd"])  # fmt: skip


def find_run(conn: Connection, recipient: str, topic: str, partition: int, offset: int) -> str | None:
    """The reference id of the run that took the message, None when the door has not taken it (yet)."""
    found = conn.execute(FIND_RUN, {"r": recipient, "t": topic, "p": partition, "o": offset}).scalar()
    return str(found) if found is not None else None


def current_epoch(conn: Connection) -> int:
    return int(conn.execute(text("SELECT coalesce(max(epoch), 0) FROM broker_epochs")).scalar_one())


class _SeekToCheckpoints(ConsumerRebalanceListener):
    def __init__(self, door: PurchaseDoor):
        self._door = door

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions_revoked", projection=NAME, partitions=len(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        while True:
            try:
                self._door.seek_to_checkpoints(list(assigned))
                return
            except DBAPIError as exc:  # the offsets live in PostgreSQL: wait for it
                log.error("database_unavailable", projection=NAME, error=str(exc).splitlines()[0])
                time.sleep(1.0)


class PurchaseDoor:
    def __init__(self, ports: Ports, consumer_factory: Callable[[], KafkaConsumer], batch_size: int = 1000):
        self._ports = ports
        self._consumer_factory = consumer_factory
        self._batch_size = batch_size
        self._consumer: KafkaConsumer | None = None
        self._unchecked: set[TopicPartition] = set()  # assigned, their ends not yet compared with the checkpoints
        self.topic = ports.settings.topic(PURCHASES_TOPIC)

    def run(self, stop: threading.Event) -> None:
        consumer = self._consumer = self._consumer_factory()
        consumer.subscribe([self.topic], listener=_SeekToCheckpoints(self))
        log.info("purchases_door_started", topic=self.topic)
        try:
            while not stop.is_set():
                polled = consumer.poll(timeout_ms=300, max_records=self._batch_size)
                try:
                    sought = self.check_ends() if self._unchecked else set()
                    polled = {tp: records for tp, records in polled.items() if tp not in sought}  # read again
                    if not polled:
                        continue
                    stale = self.take(polled, {tp: consumer.position(tp) for tp in polled})
                    if stale:
                        self.seek_to_checkpoints(stale)
                except DBAPIError as exc:  # nothing of the batch was committed: wait, then read it again
                    log.error("database_unavailable", projection=NAME, error=str(exc).splitlines()[0])
                    stop.wait(1.0)
                    self.seek_to_checkpoints(list(consumer.assignment()))
        finally:
            consumer.close(autocommit=False)
            log.info("purchases_door_stopped", topic=self.topic)

    def seek_to_checkpoints(self, assigned: list[TopicPartition]) -> None:
        """Seek to the stored offsets; a partition whose checkpoint is of an older broker epoch (the broker lost
        its log since) is read again from the start, and its checkpoint says so. Runs in the rebalance callback,
        so it asks the broker nothing (`check_ends` does, from the poll loop)."""
        assert self._consumer is not None
        with self._ports.engine.begin() as conn:
            epoch = current_epoch(conn)
            positions = checkpoints.claim(conn, NAME, [(tp.topic, tp.partition) for tp in assigned])
            lost = [key for key, (offset, stored) in positions.items() if offset and stored not in (None, epoch)]
            if lost:
                log.warning("purchases_door_reads_again", partitions=lost, epoch=epoch, why="new broker epoch")
                _restart(conn, lost, epoch)
        for tp in assigned:
            offset, _ = positions.get((tp.topic, tp.partition), (0, None))
            self._consumer.seek(tp, 0 if (tp.topic, tp.partition) in lost else offset)
        self._unchecked.update(assigned)
        log.info("partitions_assigned", projection=NAME, partitions=len(assigned))

    def check_ends(self) -> set[TopicPartition]:
        """A partition ending before its stored offset lost its log (a broker restarted empty before the relay
        told a new epoch): read it again from the start. Every partition checked is sought again (to 0 or to its
        checkpoint), so what was polled of them before is read again; returns them."""
        assert self._consumer is not None
        partitions, self._unchecked = sorted(self._unchecked), set()
        ends = self._consumer.end_offsets(partitions)
        with self._ports.engine.begin() as conn:
            positions = checkpoints.claim(conn, NAME, [(tp.topic, tp.partition) for tp in partitions])
            short = [tp for tp in partitions if ends.get(tp, 0) < positions[(tp.topic, tp.partition)][0]]
            if short:
                log.warning("purchases_door_reads_again", partitions=[tp.partition for tp in short], why="log lost")
                _restart(conn, [(tp.topic, tp.partition) for tp in short], current_epoch(conn))
        for tp in partitions:
            self._consumer.seek(tp, 0 if tp in short else positions[(tp.topic, tp.partition)][0])
        return set(partitions)

    def take(
        self, polled: Mapping[TopicPartition, Sequence[Any]], ends: Mapping[TopicPartition, int]
    ) -> list[TopicPartition]:
        """One transaction for the whole poll: every partition's runs, answers and offsets, or none of them.
        Returns the partitions whose checkpoint is of an older broker epoch (the broker lost its log since the
        consumer sought): their records are left untaken, for the caller to seek them again."""
        stale: list[TopicPartition] = []
        with self._ports.engine.begin() as conn:
            epoch = current_epoch(conn)
            positions = checkpoints.claim(conn, NAME, [(tp.topic, tp.partition) for tp in polled])
            moved: dict[tuple[str, int], int] = {}
            counts: dict[tuple[str, int], int] = {}
            for tp, records in polled.items():
                key = (tp.topic, tp.partition)
                floor, stored_epoch = positions[key]
                if floor and stored_epoch not in (None, epoch):
                    stale.append(tp)
                    continue
                fresh = [r for r in records if r.offset >= floor]  # below it: taken before (a redelivery)
                entries = []
                for record in fresh:
                    entry = entry_of(record.offset, record.key, record.value)
                    if entry is None:
                        reason = "neither the key nor the message names a valid recipient GSTIN"
                        checkpoints.record_fault(conn, NAME, tp.topic, tp.partition, record.offset, reason)
                        log.error("purchases_door_unreadable", partition=tp.partition, offset=record.offset)
                    else:
                        entries.append(entry)
                for run in runs(entries):
                    take_run(conn, self._ports, tp.topic, tp.partition, epoch, run)
                moved[key] = max(ends.get(tp, 0), records[-1].offset + 1, floor)
                counts[key] = len(fresh)
            checkpoints.advance(conn, NAME, moved, counts, dict.fromkeys(moved, epoch))
        return stale


def _restart(conn: Connection, partitions: Iterable[tuple[str, int]], epoch: int) -> None:
    """These partitions' checkpoints start again at offset 0 of the broker's new log (epoch `epoch`)."""
    keys = list(partitions)
    conn.execute(
        text(
            "UPDATE projection_checkpoints c SET next_offset = 0, epoch = :e "
            "FROM unnest(CAST(:topics AS text[]), CAST(:parts AS int[])) AS u(t, p) "
            "WHERE c.projection = :n AND c.topic = u.t AND c.partition = u.p"
        ),
        {"e": epoch, "n": NAME, "topics": [t for t, _ in keys], "parts": [p for _, p in keys]},
    )
