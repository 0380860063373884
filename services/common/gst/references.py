"""Reference ids: the id a filing, an action or a reversal is answered with (GSTN's `reference_id`).

A retry with the same Idempotency-Key gets the same reference id, so its events are recognised as the same
request's wherever they are met (the request log, the event log, the read models).
"""

from __future__ import annotations

import uuid

REFERENCE_NAMESPACE = uuid.UUID("1d0b7c3e-8f7a-4a55-9d6e-2b1f4f6c9e21")


def new_reference(idempotency_key: str | None = None) -> str:
    """The key's own id (uuid5) when there is one, a fresh random one otherwise; 32 hex digits."""
    if idempotency_key:
        return uuid.uuid5(REFERENCE_NAMESPACE, idempotency_key).hex
    return uuid.uuid4().hex
