"""The registry projection: `ims.registry.v1` → `taxpayer_names`, one row per GSTIN with its latest names.

A pure function of the log: every load is applied in log order (one partition, the fixed key `registry`), so
the last load naming a GSTIN gives its names, on the live consumer and on every replay alike; a row records
the event that wrote it. A batch is one upsert of the last names per GSTIN in it; applying an event again
writes the same row, so redelivery changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy import Connection, text

from services.common.events import Event, TaxpayerNamesLoadedV1
from services.common.runner import Delivered

log = structlog.get_logger()

UPSERT = text(
    """
    INSERT INTO taxpayer_names (gstin, legal_name, trade_name, reference_id, updated_by_event, updated_at)
    SELECT * FROM unnest(CAST(:gstin AS text[]), CAST(:legal AS text[]), CAST(:trade AS text[]),
                         CAST(:reference AS text[]), CAST(:event AS text[]), CAST(:at AS text[]))
    ON CONFLICT (gstin) DO UPDATE SET
        legal_name = excluded.legal_name,
        trade_name = excluded.trade_name,
        reference_id = excluded.reference_id,
        updated_by_event = excluded.updated_by_event,
        updated_at = excluded.updated_at
    """
)


class RegistryProjection:
    name = "registry"
    tables: tuple[str, ...] = ("taxpayer_names",)

    def __init__(self, topic: str):
        self.topics: tuple[str, ...] = (topic,)

    def apply(self, conn: Connection, batch: Sequence[Delivered[Event]]) -> None:
        latest: dict[str, tuple[str, str, str, str, str]] = {}
        for message in batch:
            event = message.event
            if not isinstance(event, TaxpayerNamesLoadedV1):
                continue  # no other event is published on this topic; a future one is not ours to apply
            envelope = message.envelope
            for row in event.taxpayers:
                latest[row["gstin"]] = (
                    row["legal_name"],
                    row["trade_name"],
                    event.reference_id,
                    envelope.event_id,
                    envelope.occurred_at,
                )
        if not latest:
            return
        gstins = sorted(latest)
        columns = list(zip(*(latest[g] for g in gstins), strict=True))
        conn.execute(
            UPSERT,
            {
                "gstin": gstins,
                "legal": list(columns[0]),
                "trade": list(columns[1]),
                "reference": list(columns[2]),
                "event": list(columns[3]),
                "at": list(columns[4]),
            },
        )
        log.debug("taxpayer_names_projected", taxpayers=len(gstins))
