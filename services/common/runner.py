"""The projection runner every consumer uses.

Guarantees, each covered by an integration test against real servers:
- offsets live in PostgreSQL (`projection_checkpoints`) and are written in the same transaction as the
  read-model change, so a crash at any instant either keeps both or neither;
- on partition assignment the consumer seeks to the stored offsets, never to Kafka's committed ones;
- a redelivered message (offset below the stored one) is skipped inside the transaction that holds the
  checkpoint row lock, so redelivery and rebalance overlaps change nothing;
- an undecodable message or unknown event type stops the runner loudly (`PoisonMessage`), unless the
  operator chose to skip unknown types; a skipped message still advances the checkpoint;
- a message of a newer broker epoch than its partition's checkpoint (the broker lost its log and the
  relay is telling it again, `services/archive/restore.py`) is held back, neither applied nor skipped,
  until the restore has moved the checkpoint into that epoch; the runner then seeks to it. A message of
  an older epoch than the checkpoint's is stale and skipped.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

import structlog
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from services.common import checkpoints
from services.common.codec import Codec, CodecError
from services.common.envelope import H_EPOCH, Envelope, EnvelopeError
from services.common.events import Event

log = structlog.get_logger()
E = TypeVar("E", bound=Event, covariant=True)


@dataclass(frozen=True, slots=True)
class Delivered(Generic[E]):
    """A consumed message as projections see it; `Delivered[ActionsTakenV1]` is one carrying that event."""

    topic: str
    partition: int
    offset: int
    key: str
    envelope: Envelope
    event: E
    value: bytes  # the payload as received, for the archive
    headers: tuple[tuple[str, bytes], ...]
    timestamp_ms: int
    epoch: int | None = None  # the broker epoch the relay sent it in; None for messages of older versions


def message_context(message: Delivered[Event]) -> contextlib.AbstractContextManager[None]:
    """Bind the message's coordinates to every log line emitted while it is handled."""
    return structlog.contextvars.bound_contextvars(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        event_id=message.envelope.event_id,
        event_type=message.envelope.event_type,
        correlation_id=message.envelope.correlation_id,
    )


class Projection(Protocol):
    name: str
    topics: tuple[str, ...]  # physical topic names
    tables: tuple[str, ...]  # the read-model tables it owns, rebuilt by a replay
    # optionally, `event_types: frozenset[str]`: the only event types it applies; the runner skips the others
    # by their envelope header, without decoding them (a projection of a few types on a busy stream)

    def apply(self, conn: Connection, batch: Sequence[Delivered[Event]]) -> None:
        """Apply a batch in log order inside the caller's transaction; must be set-based."""


class PoisonMessage(RuntimeError):
    """A message that can never be applied; the runner stops rather than skip it silently."""


class _SeekToCheckpoints(ConsumerRebalanceListener):
    def __init__(self, runner: ProjectionRunner):
        self._runner = runner

    def on_partitions_revoked(self, revoked: Any) -> None:
        log.info("partitions_revoked", projection=self._runner.projection.name, partitions=len(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        while True:
            try:
                self._runner.seek_to_checkpoints(list(assigned))
                return
            except DBAPIError as exc:  # PostgreSQL away during a rebalance: the offsets live there, so wait
                log.error(
                    "database_unavailable",
                    projection=self._runner.projection.name,
                    error=str(exc).splitlines()[0],
                )
                time.sleep(1.0)


class ProjectionRunner:
    def __init__(
        self,
        projection: Projection,
        engine: Engine,
        codec: Codec,
        consumer_factory: Callable[[], KafkaConsumer],
        *,
        batch_size: int = 2000,
        skip_unknown: bool = False,
    ):
        self.projection = projection
        self._engine = engine
        self._codec = codec
        self._consumer_factory = consumer_factory
        self._batch_size = batch_size
        self._skip_unknown = skip_unknown
        self._consumer: KafkaConsumer | None = None
        self.applied = 0
        self.poisoned: dict[TopicPartition, tuple[int, str]] = {}
        self.held: set[TopicPartition] = set()
        self._epoch: int | None = None  # the broker epoch when the consumer last sought to the checkpoints

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set; the batch in hand is finished, never abandoned half-way."""
        consumer = self._consumer = self._consumer_factory()
        consumer.subscribe(list(self.projection.topics), listener=_SeekToCheckpoints(self))
        log.info("projector_started", projection=self.projection.name, topics=self.projection.topics)
        checked = time.monotonic()
        try:
            while not stop.is_set():
                polled = consumer.poll(timeout_ms=300, max_records=self._batch_size)
                if not polled:
                    if time.monotonic() - checked > 2.0:
                        self._follow_restore(consumer)
                        checked = time.monotonic()
                    continue
                try:
                    # The position skips transaction markers after the last record, so a caught-up
                    # projection's checkpoint equals the partition's end offset.
                    self.apply_polled(polled, {tp: consumer.position(tp) for tp in polled})
                except DBAPIError as exc:
                    self._wait_for_database(consumer, stop, exc)
                    continue
                self._pause_poisoned(consumer)
                self._seek_held(consumer, stop)
        finally:
            consumer.close(autocommit=False)
            log.info("projector_stopped", projection=self.projection.name, applied=self.applied)

    def _wait_for_database(self, consumer: KafkaConsumer, stop: threading.Event, error: Exception) -> None:
        """PostgreSQL went away mid-batch: nothing of the batch was committed. Wait for it, then resume
        every partition from its stored checkpoint, so the batch is applied again, once."""
        log.error("database_unavailable", projection=self.projection.name, error=str(error).splitlines()[0])
        while not stop.is_set():
            try:
                self.seek_to_checkpoints(list(consumer.assignment()))
                log.info("database_back", projection=self.projection.name)
                return
            except DBAPIError:
                stop.wait(1.0)

    def _follow_restore(self, consumer: KafkaConsumer) -> None:
        """A restore moved the checkpoints into a new epoch while this consumer waited at a position the
        new broker log may never reach: seek to them again."""
        try:
            with self._engine.connect() as conn:
                epoch = conn.execute(text("SELECT max(epoch) FROM broker_epochs")).scalar()
            if self._epoch is not None and epoch != self._epoch and consumer.assignment():
                log.info("following_restore", projection=self.projection.name, epoch=epoch)
                self.seek_to_checkpoints(list(consumer.assignment()))
        except DBAPIError:
            pass  # PostgreSQL away: the next batch waits for it

    def _seek_held(self, consumer: KafkaConsumer, stop: threading.Event) -> None:
        """Partitions that met a newer epoch go back to their checkpoints once a restore has moved them."""
        if not self.held:
            return
        held, self.held = [tp for tp in self.held if tp in consumer.assignment()], set()
        log.info("partitions_held_for_restore", projection=self.projection.name, partitions=len(held))
        stop.wait(0.5)
        try:
            self.seek_to_checkpoints(held)
        except DBAPIError as exc:
            self._wait_for_database(consumer, stop, exc)

    def _pause_poisoned(self, consumer: KafkaConsumer) -> None:
        """Stop only the partitions that hit a poison message; it is never skipped silently."""
        stuck = [tp for tp in self.poisoned if tp in consumer.assignment() and tp not in consumer.paused()]
        if stuck:
            consumer.pause(*stuck)
            for tp in stuck:
                log.error(
                    "partition_stopped",
                    projection=self.projection.name,
                    topic=tp.topic,
                    partition=tp.partition,
                    offset=self.poisoned[tp][0],
                    reason=self.poisoned[tp][1],
                )

    def seek_to_checkpoints(self, assigned: list[TopicPartition]) -> None:
        with self._engine.connect() as conn:
            positions = checkpoints.stored(conn, self.projection.name)
            self._epoch = conn.execute(text("SELECT max(epoch) FROM broker_epochs")).scalar()
        assert self._consumer is not None
        for tp in assigned:
            offset = positions.get((tp.topic, tp.partition))
            if offset is None:
                self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, offset)
        log.info("partitions_assigned", projection=self.projection.name, partitions=len(assigned))

    def apply_polled(
        self,
        polled: dict[TopicPartition, list[Any]],
        consumer_positions: dict[TopicPartition, int] | None = None,
    ) -> int:
        """Apply one polled batch in a single transaction; returns how many messages were new.

        A partition holding an undecodable message applies what precedes it, records the fault and is
        paused; the other partitions go on. Its checkpoint stays on the poison message.
        """
        with _collector_paused():
            return self._apply_polled(polled, consumer_positions)

    def _apply_polled(
        self, polled: dict[TopicPartition, list[Any]], consumer_positions: dict[TopicPartition, int] | None
    ) -> int:
        started = time.perf_counter()
        raw: list[Any] = []
        decoded: list[Delivered[Event] | None] = []
        poisoned: dict[TopicPartition, tuple[int, str]] = {}
        for tp in sorted(polled):
            for message in polled[tp]:
                try:
                    item = self.decode(message)
                except PoisonMessage as exc:
                    poisoned[tp] = (message.offset, str(exc))
                    break
                raw.append(message)
                decoded.append(item)
        with self._engine.begin() as conn:
            keys = {(m.topic, m.partition) for m in raw} | {(tp.topic, tp.partition) for tp in poisoned}
            positions = checkpoints.claim(conn, self.projection.name, keys)
            epochs = {key: epoch for key, (_, epoch) in positions.items()}
            held: set[tuple[str, int]] = set()
            stale: set[tuple[str, int]] = set()
            fresh = []
            ends: dict[tuple[str, int], int] = {}
            for m, d in zip(raw, decoded, strict=True):
                key = (m.topic, m.partition)
                if key in held:
                    continue
                offset, epoch = positions[key]
                sent_in = _epoch_of(m, epoch)
                if epoch is None:
                    epochs[key] = epoch = sent_in
                if sent_in is not None and epoch is not None and sent_in > epoch:
                    held.add(key)  # a restore is moving this checkpoint into the newer epoch
                    continue
                ends[key] = max(ends.get(key, offset), offset)
                if sent_in is not None and epoch is not None and sent_in < epoch:
                    stale.add(key)  # buffered from a broker life before the restore
                    continue
                ends[key] = max(ends[key], m.offset + 1)
                if m.offset >= offset and d is not None:
                    fresh.append(d)
            if fresh:
                self.projection.apply(conn, fresh)
            counts: dict[tuple[str, int], int] = {}
            for d in fresh:
                counts[(d.topic, d.partition)] = counts.get((d.topic, d.partition), 0) + 1
            for tp, position in (consumer_positions or {}).items():
                key = (tp.topic, tp.partition)
                if tp not in poisoned and key not in held and key not in stale and key in ends:
                    ends[key] = max(ends[key], position)
            checkpoints.advance(conn, self.projection.name, ends, counts, {k: epochs[k] for k in ends})
            for tp, (offset, reason) in poisoned.items():
                checkpoints.record_fault(conn, self.projection.name, tp.topic, tp.partition, offset, reason)
        self.held.update(TopicPartition(*key) for key in held | stale)
        self.applied += len(fresh)
        self.poisoned.update(poisoned)
        log.debug(
            "batch_applied",
            projection=self.projection.name,
            messages=len(raw),
            applied=len(fresh),
            ms=round((time.perf_counter() - started) * 1000, 1),
        )
        return len(fresh)

    def decode(self, message: Any) -> Delivered[Event] | None:
        """A consumed (or logged) message as the projection sees it; None when skipped as unknown, else
        `PoisonMessage`: the same rule for the live consumer, a replay and an as-of view."""
        context = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
        try:
            envelope = Envelope.from_headers(message.headers)
            wanted = getattr(self.projection, "event_types", None)
            if wanted is not None and envelope.event_type not in wanted:
                return None  # not this projection's: its checkpoint moves past it, the payload is never decoded
            event = self._codec.decode(message.value, expected_type=envelope.event_type)
        except (CodecError, EnvelopeError) as exc:
            if self._skip_unknown:
                log.warning("message_skipped", projection=self.projection.name, reason=str(exc), **context)
                return None
            log.error("poison_message", projection=self.projection.name, reason=str(exc), **context)
            raise PoisonMessage(f"{message.topic}[{message.partition}]@{message.offset}: {exc}") from exc
        key = message.key.decode() if message.key else ""
        return Delivered(
            message.topic,
            message.partition,
            message.offset,
            key,
            envelope,
            event,
            message.value,
            tuple(message.headers or ()),
            message.timestamp,
            _epoch_of(message, None),
        )


@contextlib.contextmanager
def _collector_paused() -> Any:
    """No cyclic garbage collection while a batch is decoded and applied: the batch allocates hundreds of
    thousands of objects that live until it commits (decoded documents, their rows), and the collector's
    passes over them cost a third of the projector's time (measured). Acyclic garbage is still freed at
    once; cycles wait for the next collection after the batch."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _epoch_of(message: Any, default: int | None) -> int | None:
    """The epoch the relay stamped on a message (a header), or `default` for messages without one."""
    for name, value in message.headers or ():
        if name == H_EPOCH and value:
            try:
                return int(value)
            except ValueError:
                return default
    return default


def consumer_factory(bootstrap: str, group_id: str, settings: Any) -> Callable[[], KafkaConsumer]:
    """Short group timeouts suit the embedded broker (a join in ~3 s instead of ~23 s), and a short fetch
    wait lets it hand over a committed transaction sooner (measured: 45 ms instead of up to 260 ms between a
    bulk action's answer and the projector starting on it); all are settings."""

    def build() -> KafkaConsumer:
        return KafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            session_timeout_ms=settings.session_timeout_ms,
            max_poll_interval_ms=settings.max_poll_interval_ms,
            heartbeat_interval_ms=settings.heartbeat_interval_ms,
            fetch_max_wait_ms=settings.fetch_max_wait_ms,
            max_partition_fetch_bytes=16 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024,
        )

    return build
