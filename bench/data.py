"""Seeded, reproducible synthetic data for the bench, built on `services.demo.synthetic`.

- `write_return`: a one-supplier GSTR-1 of 10,000 to 1,000,000 invoices streamed to disk
  (`write_large_return`); the same (seed, documents) gives a byte-identical file, whose SHA-256 the bench
  records in results.json.
- `small_returns`: the steady load, returns of 100-500 invoices, each from its own supplier to its own
  recipient (so "visible in counts" is a per-recipient count reaching the return's size).
- `DocumentFactory`: `DocumentsFiled` document records for the raw-limit pipeline. The records come out of
  the product's own path (`read_return` + `records.document_record`) for a 1,000-invoice return and are
  then cloned with unique keys, numbers, hashes and amounts, so N records cost no validation.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import FILED_ON, FP
from services.api.bodies import parse_json
from services.demo.synthetic import large_return, write_large_return
from services.ingest.domain.gstr1 import read_return
from services.ingest.records import document_record

BASE_SEED = 20_250_901


@dataclass(frozen=True)
class GeneratedReturn:
    path: Path
    seed: int
    documents: int
    supplier: str
    recipient: str
    size_bytes: int
    sha256: str
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path.name,
            "seed": self.seed,
            "documents": self.documents,
            "supplier": self.supplier,
            "recipient": self.recipient,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
            "generation_s": round(self.seconds, 3),
        }


def return_seed(documents: int, run: int) -> int:
    return BASE_SEED + documents * 10 + run


def write_return(directory: Path, documents: int, run: int) -> GeneratedReturn:
    """One supplier, one recipient: every invoice lands in that recipient's IMS."""
    import time

    seed = return_seed(documents, run)
    path = directory / f"gstr1-{documents}-{run}.json"
    started = time.perf_counter()
    summary = write_large_return(path, seed, FP, documents, recipients=1)
    seconds = time.perf_counter() - started
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while block := src.read(1 << 20):
            digest.update(block)
    (recipient,) = summary["recipients"]
    return GeneratedReturn(
        path,
        seed,
        summary["documents"],
        summary["supplier"],
        recipient,
        path.stat().st_size,
        digest.hexdigest(),
        seconds,
    )


@dataclass(frozen=True)
class SmallReturn:
    body: bytes
    recipient: str
    documents: int


def small_returns(seed: int, total_documents: int, low: int = 100, high: int = 500) -> list[SmallReturn]:
    """Returns of `low`..`high` invoices (seeded sizes) until `total_documents` are covered."""
    rng = random.Random(seed)
    found: list[SmallReturn] = []
    covered = 0
    index = 0
    while covered < total_documents:
        size = rng.randint(low, high)
        text = "".join(large_return(seed * 1000 + index, FP, size, recipients=1))
        recipient = json.loads(text)["b2b"][0]["ctin"]
        found.append(SmallReturn(text.encode(), recipient, size))
        covered += size
        index += 1
    return found


class DocumentFactory:
    """Clones real `document_record` output into any number of unique documents."""

    def __init__(self, seed: int = BASE_SEED):
        text = "".join(large_return(seed, FP, 1000, recipients=5))
        contents = read_return(parse_json(text.encode()), "R1")
        filed_on = date.fromisoformat(FILED_ON)
        self.templates = [
            (entry.document.recipient, document_record(entry.document, filed_on))
            for entry in contents.entries
            if entry.document is not None
        ]
        self.supplier = contents.filer.value
        self.recipients = sorted({recipient for recipient, _ in self.templates})
        self._rng = random.Random(seed)

    def documents(self, start: int, count: int) -> list[dict[str, Any]]:
        """Documents number `start` .. `start + count - 1`: unique key, number, hash and amounts."""
        out = []
        for seq in range(start, start + count):
            _, template = self.templates[seq % len(self.templates)]
            doc = copy.copy(template)
            number = f"BN/25-26/{seq:07d}"
            doc["number"] = number
            doc["key"] = f"{doc['section']}|{doc['supplier']}|2025|{number}"
            doc["version_hash"] = hashlib.sha256(number.encode()).hexdigest()
            bump = self._rng.randrange(1, 10_000)
            doc["taxable"] = template["taxable"] + bump
            doc["value"] = template["value"] + bump
            out.append(doc)
        return out
