"""The envelope every message carries in Kafka headers, so consumers can route and trace without decoding."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from services.common.events import Event

H_TYPE = "ims-event-type"
H_VERSION = "ims-schema-version"
H_ID = "ims-event-id"
H_OCCURRED = "ims-occurred-at"
H_CORRELATION = "ims-correlation-id"
H_CAUSATION = "ims-causation-id"
H_ACTOR = "ims-actor"
HEADER_NAMES = (H_TYPE, H_VERSION, H_ID, H_OCCURRED, H_CORRELATION, H_CAUSATION, H_ACTOR)
H_EPOCH = "ims-epoch"  # added by the relay when it sends: the broker epoch (services/archive/relay.py)


class EnvelopeError(ValueError):
    """A message whose headers do not form a valid envelope."""


@dataclass(frozen=True, slots=True)
class Envelope:
    event_type: str
    schema_version: int
    event_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    occurred_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="microseconds"))
    correlation_id: str = ""
    causation_id: str = ""
    actor: str = "system"

    @classmethod
    def of(cls, event: type[Event] | Event, **fields: str) -> Envelope:
        """The envelope of an event of this class: its type name and version travel in the headers."""
        return cls(event.EVENT_TYPE, event.VERSION, **fields)

    def checked(self, event: Event) -> Event:
        """`event`, once it is known to be what the headers say: consumers route by the headers and refuse a
        payload of another type."""
        if (self.event_type, self.schema_version) != (event.EVENT_TYPE, event.VERSION):
            raise EnvelopeError(
                f"headers say {self.event_type} v{self.schema_version}, the event is {type(event).__name__}"
            )
        return event

    def to_headers(self) -> list[tuple[str, bytes]]:
        values = (
            self.event_type,
            str(self.schema_version),
            self.event_id,
            self.occurred_at,
            self.correlation_id or self.event_id,
            self.causation_id,
            self.actor,
        )
        return [(name, value.encode()) for name, value in zip(HEADER_NAMES, values, strict=True)]

    @classmethod
    def from_headers(cls, headers: list[tuple[str, bytes]] | None) -> Envelope:
        found = {name: value.decode("utf-8", "replace") for name, value in (headers or []) if value is not None}
        missing = [name for name in (H_TYPE, H_VERSION, H_ID) if name not in found]
        if missing:
            raise EnvelopeError(f"message headers lack {', '.join(missing)}")
        try:
            version = int(found[H_VERSION])
        except ValueError:
            raise EnvelopeError(f"{H_VERSION}: not an integer: {found[H_VERSION]!r}") from None
        return cls(
            event_type=found[H_TYPE],
            schema_version=version,
            event_id=found[H_ID],
            occurred_at=found.get(H_OCCURRED, ""),
            correlation_id=found.get(H_CORRELATION, ""),
            causation_id=found.get(H_CAUSATION, ""),
            actor=found.get(H_ACTOR, ""),
        )
