"""The command ports (services/actions/commands/ports.py) over PostgreSQL: the IMS read model for
documents and the day, the durable event log and the request log for what a command writes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Engine, text

from services.actions.commands import bulk_publish
from services.actions.commands.ports import CommandPorts, Key, Selected
from services.actions.domain.model import ImsDocument
from services.actions.projector import store
from services.actions.views import queries
from services.archive import eventlog
from services.common import failpoints, requests
from services.common.codec import Codec
from services.common.envelope import Envelope
from services.common.events import ActionsTakenV1


class PostgresDocuments:
    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, keys: Iterable[Key]) -> dict[Key, ImsDocument]:
        with self.engine.connect() as conn:
            return store.load(conn, keys)

    def select(self, selection: queries.Selection, action: str, remarks: str | None) -> Sequence[Selected]:
        return [Selected(*row) for row in queries.bulk_selection(self.engine, selection, action, remarks)]

    def stream(self, selection: queries.Selection) -> Iterator[ImsDocument]:
        return queries.stream(self.engine, selection)


class PostgresClock:
    def __init__(self, engine: Engine):
        self.engine = engine

    def today(self, recipient: str) -> str:
        with self.engine.connect() as conn:
            value = conn.execute(text("SELECT today FROM ims_clock WHERE recipient = :r"), {"r": recipient}).scalar()
        return value.isoformat() if value else ""


class DurableActionLog:
    """ActionsTaken events appended to `event_log` in the transaction that records the answer."""

    def __init__(self, engine: Engine, codec: Codec, topic: str):
        self.engine, self.codec, self.topic = engine, codec, topic

    def earlier(self, idempotency_key: str | None) -> AbstractContextManager[dict[str, Any] | None]:
        return requests.idempotent(self.engine, idempotency_key)

    def resume(self, recipient: str, reference: str, idempotency_key: str) -> dict[str, Any] | None:
        with self.engine.begin() as conn:
            resumed = bulk_publish.resume(conn, self.topic, recipient, reference)
            if resumed is not None:
                requests.record(conn, reference, "actions", recipient, resumed, idempotency_key)
            return resumed

    def append(
        self,
        recipient: str,
        reference: str,
        events: Iterable[ActionsTakenV1],
        actor: str,
        answer: dict[str, Any],
        idempotency_key: str | None,
    ) -> None:
        with self.engine.begin() as conn:
            taken = ((recipient, Envelope.of(ActionsTakenV1, correlation_id=reference, actor=actor), e) for e in events)
            eventlog.append_events(conn, self.codec, self.topic, taken)
            requests.record(conn, reference, "actions", recipient, answer, idempotency_key)
            failpoints.hit("before_commit")
        failpoints.hit("after_commit")


def command_ports(engine: Engine, codec: Codec, topic: str) -> CommandPorts:
    return CommandPorts(PostgresDocuments(engine), PostgresClock(engine), DurableActionLog(engine, codec, topic))
