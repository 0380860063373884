"""Bulk actions published chunk by chunk: one Kafka transaction per chunk, sent as soon as it is encoded.

A 100,000-document bulk action is twenty `ActionsTaken` chunks. Sent as one transaction, the projector
could start only once the last was committed; sent one transaction each, it applies the first chunks
while the API still sends the rest (measured with `python -m bench.bulk`: visible ~0.5 s sooner after
the answer). Each chunk is one event as before, applied (or refused item by item) on its own, and the
projector skips a chunk it already applied (reference id, chunk number).

What changes is a failure part-way: the chunks acknowledged before it stay published, and the answer says
so (`PartlyPublished`). A request with an Idempotency-Key first stores its encoded chunks (`bulk_plans`);
a retry with the key republishes exactly those, so chunk k names the same documents in every attempt.
Selecting again would not: after a bulk accept of the No-Action documents, the documents left would be cut
into chunks numbered from 0 again, which the projector skips as already applied.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, text

from services.bootstrap import Container
from services.common import failpoints
from services.common.envelope import Envelope
from services.common.producer import Encoded, PublishError
from services.common.settings import EVENTS_TOPIC


class PartlyPublished(PublishError):
    """The broker failed after some chunks of a bulk action were acknowledged: those stay published."""

    def __init__(self, sent: int, chunks: int, keyed: bool):
        again = (
            "retry with the same Idempotency-Key to publish the rest exactly once"
            if keyed
            else "a retry without an Idempotency-Key acts on those documents again"
        )
        super().__init__(f"broker unavailable after {sent} of {chunks} chunks were published; {again}")


def publish(
    container: Container,
    recipient: str,
    reference: str,
    actor: str,
    key: str | None,
    answer: dict[str, Any],
    records: Iterable[dict[str, Any]],
    chunks: int,
) -> None:
    """Encode and send the chunks in order, each in its own transaction; with a key, store them first."""
    payloads: Iterable[bytes] = (container.codec.encode("ActionsTaken", record) for record in records)
    if key:
        payloads = list(payloads)
        with container.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO bulk_plans (reference_id, actor, answer, payloads) "
                    "VALUES (:r, :a, CAST(:j AS jsonb), :p)"
                ),
                {"r": reference, "a": actor, "j": json.dumps(answer), "p": payloads},
            )
    _send(container, recipient, reference, actor, payloads, chunks, key is not None)


def resume(container: Container, recipient: str, reference: str) -> dict[str, Any] | None:
    """A retry of a keyed bulk action whose first attempt failed part-way: republish every stored chunk
    (the projector skips those it applied) and return the answer; None when there is nothing stored."""
    with container.engine.connect() as conn:
        row = conn.execute(
            text("SELECT actor, answer, payloads FROM bulk_plans WHERE reference_id = :r"), {"r": reference}
        ).first()
    if row is None:
        return None
    actor, answer, payloads = row
    _send(container, recipient, reference, actor, [bytes(p) for p in payloads], len(payloads), True)
    return dict(answer)


def forget(conn: Connection, reference: str) -> None:
    """Once the answer is recorded, a retry gets it from the request log: the stored chunks can go."""
    conn.execute(text("DELETE FROM bulk_plans WHERE reference_id = :r"), {"r": reference})


def _send(
    container: Container,
    recipient: str,
    reference: str,
    actor: str,
    payloads: Iterable[bytes],
    chunks: int,
    keyed: bool,
) -> None:
    topic = container.settings.topic(EVENTS_TOPIC)
    for sent, payload in enumerate(payloads):
        envelope = Envelope("ActionsTaken", 1, correlation_id=reference, actor=actor)
        try:
            container.publisher.publish_encoded([Encoded(topic, recipient.encode(), payload, envelope.to_headers())])
        except PublishError as exc:
            if sent == 0:
                raise
            raise PartlyPublished(sent, chunks, keyed) from exc
        if sent == 0:
            failpoints.hit("after_first_bulk_chunk")
