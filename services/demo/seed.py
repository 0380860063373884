"""`ims demo`: a realistic synthetic data set filed through the same handlers as the HTTP API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from services.demo.synthetic import demo_dataset, dumps
from services.ingest.body import RawReturn
from services.ingest.handlers import IngestPorts, file_boes, file_return


def filings_of(seed: int = 7) -> int:
    """How many filings `load_demo` makes (the data set is generated again: cheap, and deterministic)."""
    return sum(1 for _ in demo_dataset(seed))


def load_demo(container: IngestPorts, seed: int = 7) -> Iterator[dict[str, Any]]:
    for filing in demo_dataset(seed):
        raw = dumps(filing.payload).encode()
        payload = json.loads(raw, parse_float=Decimal)
        if filing.form == "boe":
            answer = file_boes(container, payload, raw, "demo")
        else:
            with RawReturn.of_bytes(raw) as body:
                answer = file_return(container, body, filing.form, filing.status, filing.filed_on, "demo")
        filer = payload.get("gstin", "customs") if isinstance(payload, dict) else "customs"
        yield {"form": filing.form, "filer": filer, "status": filing.status, **answer}
