"""The ports a recipient command uses, each named for what the handler asks of it.

`services/actions/commands/handlers.py` checks a request against `Documents` on the day `Clock` says and
writes its events with its answer through `ActionLog`; `services/actions/commands/postgres.py` implements
the three over the read model and the durable event log, and `services/bootstrap.py` wires them
(`command_ports`). The unit tier hands in fakes (tests/support/command_fakes.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from services.actions.domain.model import ImsDocument
from services.actions.views.queries import Selection
from services.common.events import ActionsTakenV1

Key = tuple[str, str]  # (recipient, doc_key)


class Selected(NamedTuple):
    """One document a bulk selection names, whether SQL already proved the action allowed on it, and whether
    that action takes the ITC-reduction answer as Yes (docs/rules.md §3.12)."""

    section: str
    supplier: str
    doc_key: str
    version_hash: str
    allowed: bool
    defaulted: bool


class Documents(Protocol):
    """The read model's documents, as a command reads them to check a request."""

    def load(self, keys: Iterable[Key]) -> dict[Key, ImsDocument]: ...

    def select(self, selection: Selection, action: str, remarks: str | None) -> Sequence[Selected]: ...

    def stream(self, selection: Selection) -> Iterator[ImsDocument]: ...


class Clock(Protocol):
    """A recipient's IMS day (ISO date; "" before the first clock event), as the projector last applied it."""

    def today(self, recipient: str) -> str: ...


class ActionLog(Protocol):
    """Where a request's events and its answer are written, all or none, before the answer goes out."""

    def earlier(self, idempotency_key: str | None) -> AbstractContextManager[dict[str, Any] | None]:
        """Held while the request runs: the first answer given under this key, or None."""
        ...

    def resume(self, recipient: str, reference: str, idempotency_key: str) -> dict[str, Any] | None:
        """An old version's unfinished bulk request under this reference, completed: its answer; else None."""
        ...

    def append(
        self,
        recipient: str,
        reference: str,
        events: Iterable[ActionsTakenV1],
        actor: str,
        answer: dict[str, Any],
        idempotency_key: str | None,
    ) -> None: ...


@dataclass(frozen=True)
class CommandPorts:
    documents: Documents
    clock: Clock
    log: ActionLog
