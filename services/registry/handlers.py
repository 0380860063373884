"""Loading taxpayer names: checked rows → `TaxpayerNamesLoaded` events on the durable log, answered in the
request-status manner of a filing (P, PE or ER; counts; one error row per refused row, naming row and field).

The events and the answer are committed in one transaction, before the answer is sent, so an answered load is
in the log; a load with no accepted row logs its answer and no event. An Idempotency-Key makes a retry return
the first answer with no second effect. The HTTP route and `ims taxpayers load` both come here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from services.archive import eventlog
from services.common import requests
from services.common.envelope import Envelope
from services.common.events import TaxpayerName, TaxpayerNamesLoadedV1
from services.common.gst.references import new_reference
from services.common.ports import Ports
from services.common.settings import REGISTRY_TOPIC
from services.registry.domain.taxpayers import Checked, Taxpayer

# The registry is global, not any recipient's: every load goes under this one key, so all of them share a
# partition and reach the projection in the order they were logged ("a later load wins" needs that order;
# keyed by GSTIN, one load would be split across partitions and events).
REGISTRY_KEY = "registry"
KIND = "taxpayers"  # the request log's kind (services/common/requests.py)
CHUNK = 1000  # taxpayers per event: at most ~1 MB even with names of 100 four-byte characters


def load(ports: Ports, checked: Checked, actor: str, key: str | None) -> dict[str, Any]:
    """Log the accepted rows and the answer; returns the answer (the first one again for a repeated key)."""
    with requests.idempotent(ports.engine, key) as earlier:
        if earlier is not None:
            return earlier
        reference = new_reference(key)
        report = {"taxpayers": [e.report() for e in checked.errors]} if checked.errors else {}
        answer = requests.reqsts(reference, len(checked.taxpayers), report)
        topic = ports.settings.topic(REGISTRY_TOPIC)
        with ports.engine.begin() as conn:
            if checked.taxpayers:
                eventlog.append_events(
                    conn,
                    ports.codec,
                    topic,
                    (
                        (REGISTRY_KEY, Envelope.of(event, correlation_id=reference, actor=actor), event)
                        for event in events_of(reference, checked.taxpayers)
                    ),
                )
            requests.record(conn, reference, KIND, REGISTRY_KEY, answer, key)
        return answer


def events_of(reference: str, taxpayers: list[Taxpayer]) -> Iterator[TaxpayerNamesLoadedV1]:
    """The load in chunks of `CHUNK`, in the order the rows were given (none for an empty load)."""
    chunks = -(-len(taxpayers) // CHUNK)
    for chunk in range(chunks):
        rows = taxpayers[chunk * CHUNK : (chunk + 1) * CHUNK]
        names = [TaxpayerName(gstin=t.gstin, legal_name=t.legal_name, trade_name=t.trade_name) for t in rows]
        yield TaxpayerNamesLoadedV1(reference, chunk, chunks, names)
