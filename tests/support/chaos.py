"""A steady load against a running stack while its processes are killed, and the oracle that checks it.

Every request carries an Idempotency-Key and is retried under it until it has an answer (a connection
refused while the API restarts, a 503 while PostgreSQL does), so every request is answered exactly once.
The ledger keeps what the answers promised; `check` holds the read model to it once the stack is quiet.
"""

from __future__ import annotations

import collections
import itertools
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, text

from services.common.gst.periods import Period, gst_today
from services.demo.synthetic import Mix, dumps, gstr1_return, make_universe

PLAIN = Mix(credit_notes=0, debit_notes=0, invoice_amendments=0, note_amendments=0, reverse_charge=0,
            pos_ineligible=0, sez=0, via_operator=0)  # fmt: skip
TRANSIENT = (502, 503, 504)


@dataclass(frozen=True)
class Answered:
    """One request of the load: what it was, when it was first tried, how long until its answer, retries."""

    what: str  # file, list, save, bulk, tick
    started: float  # time.monotonic() of the first try
    seconds: float  # from the first try to the answer, retries included
    retries: int


@dataclass
class Ledger:
    filings: dict[str, int] = field(default_factory=dict)  # reference id -> documents accepted
    actions: dict[str, int] = field(default_factory=dict)  # reference id -> items accepted
    clock: str = ""  # the last date ticked
    retries: collections.Counter[str] = field(default_factory=collections.Counter)  # by status or error
    answered: list[Answered] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(self.filings.values())


class Load:
    """Filings of small returns, SAVE actions on what they filed, bulk actions and clock ticks, in turn.

    Its calendar is today's (the day in India): `ims up`'s scheduler ticks the real date, so returns are
    of last month, filed today, and the ticks count days from today."""

    def __init__(self, base: str, token: str, seed: int = 7, documents: int = 20):
        self.today = gst_today()
        self.fp = Period.of(self.today).previous().mmyyyy
        self.base, self.documents = base, documents
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.universe = make_universe(seed, suppliers=4, recipients=3)
        self.rng = random.Random(seed)
        self.ledger = Ledger()
        self.failure: BaseException | None = None
        self._seq = itertools.count(0)
        self._day = itertools.count(1)

    def run(self, stop: threading.Event, pause: float = 0.05) -> None:
        """The load until `stop`; an unexpected answer stops it and is kept in `failure` for the test."""
        try:
            self._run(stop, pause)
        except BaseException as exc:  # a thread's exception would otherwise vanish
            self.failure = exc

    def _run(self, stop: threading.Event, pause: float) -> None:
        for turn in itertools.count():
            if stop.is_set():
                return
            self.file()
            if turn % 2 == 1:
                self.save()
            if turn % 5 == 4:
                self.bulk()
            if turn % 7 == 6:
                self.tick()
            stop.wait(pause)

    def request(self, what: str, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        """Retried under one Idempotency-Key until answered; a refusal other than a transient one fails."""
        key, started, tries = uuid.uuid4().hex, time.monotonic(), 0
        while True:
            tries += 1
            try:
                answer = httpx.request(
                    method,
                    self.base + path,
                    content=None if body is None else dumps(body),
                    params=params,
                    headers={**self.headers, "Idempotency-Key": key},
                    timeout=60,
                )
            except httpx.HTTPError as exc:
                self.ledger.retries[type(exc).__name__] += 1
                time.sleep(0.2)
                continue
            if answer.status_code in TRANSIENT:
                self.ledger.retries[str(answer.status_code)] += 1
                time.sleep(0.2)
                continue
            assert answer.status_code == 200, f"{method} {path}: {answer.status_code} {answer.text[:500]}"
            self.ledger.answered.append(Answered(what, started, time.monotonic() - started, tries - 1))
            return dict(answer.json())

    def file(self) -> None:
        turn = next(self._seq)
        suppliers = self.universe.suppliers
        supplier, first = suppliers[turn % len(suppliers)], 1 + (turn // len(suppliers)) * self.documents
        payload = gstr1_return(self.universe, self.rng, supplier, self.fp, self.documents, mix=PLAIN, first_seq=first)
        answer = self.request("file", "POST", "/v1/returns/gstr1", payload, filed_on=self.today.isoformat())
        assert answer["err_cnt"] == 0, answer
        self.ledger.filings[answer["reference_id"]] = answer["proc_cnt"]

    def save(self) -> None:
        recipient = self.rng.choice(self.universe.recipients)
        listing = self.request("list", "GET", f"/v1/ims/{recipient}/documents", section="b2b", status="N", limit=5)
        records = listing.get("b2b", [])
        if not records:
            return
        action = self.rng.choice("ARP")
        body = {
            "rtin": recipient,
            "reqtyp": "SAVE",
            "invdata": {"b2b": [{"doc_id": r["doc_id"], "hash": r["hash"], "action": action} for r in records]},
        }
        answer = self.request("save", "POST", f"/v1/ims/{recipient}/actions", body)
        self.ledger.actions[answer["reference_id"]] = int(answer["proc_cnt"])

    def bulk(self) -> None:
        recipient = self.rng.choice(self.universe.recipients)
        body = {"action": "A", "filter": {"stin": self.universe.suppliers[0], "status": "N"}}
        answer = self.request("bulk", "POST", f"/v1/ims/{recipient}/actions/bulk", body)
        self.ledger.actions[answer["reference_id"]] = int(answer["proc_cnt"])

    def tick(self) -> None:
        day = (self.today + timedelta(days=next(self._day))).isoformat()
        self.request("tick", "POST", "/v1/clock", {"date": day})
        self.ledger.clock = day


QUIET = """
SELECT (SELECT count(*) FROM event_relay_queue)
     + (SELECT count(*) FROM notification_outbox WHERE NOT sent)
     + (SELECT count(*) FROM deadline_outbox WHERE NOT sent)
     + (SELECT count(*) FROM event_placements p LEFT JOIN relay_acks a USING (epoch, topic, partition)
        WHERE p.epoch = (SELECT max(epoch) FROM broker_epochs) AND p."offset" >= coalesce(a.next_offset, 0))
     + (SELECT count(*) FROM relay_acks a LEFT JOIN projection_checkpoints c
            ON c.projection = 'ims' AND c.topic = a.topic AND c.partition = a.partition
        WHERE a.epoch = (SELECT max(epoch) FROM broker_epochs) AND a.topic LIKE '%ims.events.v1'
          AND a.next_offset > 0 AND (c.epoch IS DISTINCT FROM a.epoch OR c.next_offset < a.next_offset))
"""


def quiet(engine: Engine) -> bool:
    """Everything logged is relayed and applied by the IMS projector, every notification logged."""
    with engine.connect() as conn:
        return conn.execute(text(QUIET)).scalar() == 0


def compare(engine: Engine, ledger: Ledger) -> dict[str, int]:
    """What the answers promised (`expected_*`) beside what the read model and the log hold."""
    with engine.connect() as conn:

        def one(sql: str, **params: Any) -> int:
            return int(conn.execute(text(sql), params).scalar() or 0)

        refused = one("SELECT count(*) FROM ims_refusals WHERE reference_id = ANY(:r)", r=list(ledger.actions))
        found = {
            "documents": one("SELECT count(*) FROM ims_documents"),
            "filed_rows": one("SELECT count(*) FROM ims_history WHERE what = 'filed'"),
            "action_rows": one("SELECT count(*) FROM ims_history WHERE what LIKE 'action_%'"),
            "notifications": one("SELECT count(*) FROM notification_outbox"),
            "notifications_logged": one(
                "SELECT count(DISTINCT event_id) FROM event_log WHERE event_type = 'SupplierNotified'"
            ),
            "notification_events": one("SELECT count(*) FROM event_log WHERE event_type = 'SupplierNotified'"),
            "clock_behind": one("SELECT count(*) FROM ims_clock WHERE today < CAST(:d AS date)", d=ledger.clock)
            if ledger.clock
            else 0,
        }
    expected = {"expected_documents": ledger.documents, "expected_actions": sum(ledger.actions.values()) - refused}
    return found | expected | {"refused": refused}


def differences(figures: dict[str, int]) -> dict[str, int]:
    """Each equality the oracle holds, as found minus expected: below 0 lost, above 0 doubled."""
    return {
        "documents": figures["documents"] - figures["expected_documents"],
        "filed_rows": figures["filed_rows"] - figures["expected_documents"],
        "action_rows": figures["action_rows"] - figures["expected_actions"],
        "notifications_logged": figures["notifications_logged"] - figures["notifications"],
        "notification_events": figures["notification_events"] - figures["notifications_logged"],
        "clock_ticks": -figures["clock_behind"],
    }


def check(engine: Engine, ledger: Ledger) -> dict[str, int]:
    """What the answers promised against what the read model holds; returns the figures, asserts equality."""
    figures = compare(engine, ledger)
    wrong = {name: difference for name, difference in differences(figures).items() if difference}
    assert not wrong, (wrong, figures)
    return figures
