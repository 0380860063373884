"""The history the as-of bench asks about: one recipient's 1,000,000-document filing, then what happens to
it in the weeks after, each step through the real processes (`ims api`, `ims relay`, `ims consume ims`):

  SAVE (reject, pending) · a 100,000-document return of a second supplier · a bulk accept of it · daily clock
  events over the GSTR-2B cut-off (generation of both suppliers' documents), with a burst of 40 one-document
  SAVEs after the second · SAVE after generation · the GSTR-3B filing (freezes the period) · more clock events.

Every step ends when the projector has applied it; its instant is kept (the live answer at that instant is
what an as-of view must give). Quick mode shrinks the two returns.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.common import FILED_ON, FP, run_worker, spawn_cli, stop_process, wait_until
from bench.data import write_return
from bench.relay import UNRELAYED
from services.common import tokens
from services.common.embedded.ports import free_port, wait_for_port
from services.common.gst.gstin import check_character
from services.common.settings import EVENTS_TOPIC, Settings
from services.demo.synthetic import large_return

SECOND_SUPPLIER = "27AAACB2230M1Z" + check_character("27AAACB2230M1Z")
BEHIND = """
SELECT count(*) FROM relay_acks a LEFT JOIN projection_checkpoints c
    ON c.projection = 'ims' AND c.topic = a.topic AND c.partition = a.partition
WHERE a.epoch = (SELECT max(epoch) FROM broker_epochs) AND a.topic = :t AND coalesce(c.next_offset, 0) < a.next_offset
"""


@dataclass
class Stack:
    settings: Settings
    engine: Engine
    http: httpx.Client
    log_dir: Path
    processes: dict[str, Any] = field(default_factory=dict)

    def wait_projected(self, timeout: float = 1800) -> str:
        """Until the projector applied everything logged; returns the instant just after."""

        def done() -> bool:
            with self.engine.connect() as conn:
                if conn.execute(text(UNRELAYED)).scalar():
                    return False
                return not conn.execute(text(BEHIND), {"t": self.settings.topic(EVENTS_TOPIC)}).scalar()

        wait_until(done, timeout, 0.05, "the projector to apply the log")
        at = _now()
        # The steps are days apart in the GST calendar but seconds apart here: let PostgreSQL take the
        # statistics autovacuum would have taken in between. Without them the live projector plans the next
        # period event against tables as they were before a filing or a GSTR-2B (measured: a clock event
        # right after a generation of 22,000 documents took 216 s, a nested loop over every document).
        with self.engine.begin() as conn:
            conn.execute(text("ANALYZE ims_documents, ims_counts, gstr2b_versions, gstr2b_lines"))
        return at


@contextlib.contextmanager
def stack(settings: Settings, engine: Engine, log_dir: Path) -> Iterator[Stack]:
    """`ims api`, `ims relay` and `ims consume ims` on the given schema, stopped at the end."""
    settings = replace(settings, http_port=free_port())
    token = tokens.create(engine, "admin", [], "bench")[1]
    http = httpx.Client(
        base_url=f"http://127.0.0.1:{settings.http_port}", timeout=1800, headers={"Authorization": f"Bearer {token}"}
    )
    running = Stack(settings, engine, http, log_dir)
    try:
        for name, argv in (("api", ("api",)), ("relay", ("relay",)), ("consumer", ("consume", "ims"))):
            running.processes[name] = spawn_cli(settings, log_dir / f"asof-{name}.log", *argv)
        api = running.processes["api"]
        wait_for_port("127.0.0.1", settings.http_port, 60, lambda: api.poll() is None)
        yield running
    finally:
        http.close()
        for process in running.processes.values():
            stop_process(process)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class History:
    recipient: str
    documents: int
    steps: list[tuple[str, str, float]] = field(default_factory=list)  # (what, instant after, seconds)
    burst: list[str] = field(default_factory=list)  # the instant after each answer of a burst of small requests


def build(running: Stack, data_dir: Path, big: int, second: int, say: Any) -> History:
    data_dir.mkdir(parents=True, exist_ok=True)
    generated = write_return(data_dir, big, 7)
    history = History(generated.recipient, big + second)
    http, recipient = running.http, generated.recipient

    def step(what: str, started: float) -> None:
        history.steps.append((what, running.wait_projected(), time.perf_counter() - started))
        say(f"  {what}: {history.steps[-1][2]:.1f} s to projected")

    started = time.perf_counter()
    answer = run_worker(running.settings, running.log_dir / "asof-worker.log", "ingest", str(generated.path))
    generated.path.unlink()
    assert answer["documents"] == big, answer
    step(f"file {big:,} documents", started)
    started = time.perf_counter()
    listed = http.get(f"/v1/ims/{recipient}/documents", params={"section": "b2b", "limit": 100}).json()
    records = listed["b2b"]
    _save(http, recipient, [(r, "R", None) for r in records[:50]])  # remarks: from the 102025 period
    _save(http, recipient, [(r, "P", None) for r in records[50:]])
    step("SAVE 100 (reject, pending)", started)
    started = time.perf_counter()
    body = "".join(large_return(0, FP, second, recipients=1))
    body = body.replace(json.loads(body)["gstin"], SECOND_SUPPLIER, 1).replace(
        json.loads(body)["b2b"][0]["ctin"], recipient
    )
    _ok(http.post(f"/v1/returns/gstr1?status=filed&filed_on={FILED_ON}", content=body))
    step(f"file {second:,} documents of a second supplier", started)
    started = time.perf_counter()
    _ok(http.post(f"/v1/ims/{recipient}/actions/bulk", json={"action": "A", "filter": {"stin": SECOND_SUPPLIER}}))
    step(f"bulk accept of those {second:,}", started)
    for day in ("2025-10-12", "2025-10-13", "2025-10-14", "2025-10-15"):  # the 14th: GSTR-2B 092025
        started = time.perf_counter()
        _ok(http.post("/v1/clock", json={"date": day}))
        step(f"clock {day}", started)
        if day == "2025-10-13":
            _burst(running, history, 40)
    started = time.perf_counter()
    accepted = http.get(
        f"/v1/ims/{recipient}/documents", params={"stin": SECOND_SUPPLIER, "status": "A", "limit": 20}
    ).json()["b2b"]
    _save(http, recipient, [(r, "R", None) for r in accepted])
    step("SAVE 20 after generation", started)
    started = time.perf_counter()
    _ok(http.post(f"/v1/ims/{recipient}/gstr3b/{FP}", json={"filed_on": "2025-10-16"}))
    step(f"GSTR-3B {FP}", started)
    for day in ("2025-10-17", "2025-10-18"):
        started = time.perf_counter()
        _ok(http.post("/v1/clock", json={"date": day}))
        step(f"clock {day}", started)
    return history


def _burst(running: Stack, history: History, count: int) -> None:
    """Small requests one after another (a clerk accepting documents one by one): each costs little, so
    views between them apply several after their snapshot. Each answer's instant is kept."""
    http, recipient = running.http, history.recipient
    started = time.perf_counter()
    listed = http.get(f"/v1/ims/{recipient}/documents", params={"status": "N", "limit": count}).json()
    for record in listed["b2b"]:
        _save(http, recipient, [(record, "A", None)])
        history.burst.append(_now())
    history.steps.append((f"{count} SAVEs of one document", running.wait_projected(), time.perf_counter() - started))


def _save(http: httpx.Client, recipient: str, items: list[tuple[dict[str, Any], str, str | None]]) -> None:
    rows = [
        {"doc_id": r["doc_id"], "hash": r["hash"], "action": a, **({"remarks": m} if m else {})} for r, a, m in items
    ]
    answer = _ok(
        http.post(f"/v1/ims/{recipient}/actions", json={"rtin": recipient, "reqtyp": "SAVE", "invdata": {"b2b": rows}})
    )
    assert int(answer["err_cnt"]) == 0, str(answer)[:500]


def _ok(answer: httpx.Response) -> Any:
    if answer.status_code != 200:
        raise RuntimeError(f"{answer.request.url} answered {answer.status_code}: {answer.text[:500]}")
    return answer.json()
