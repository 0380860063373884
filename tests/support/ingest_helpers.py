"""Helpers for the ingest end-to-end tests: GSTINs, GSTR-1 rows, the event log, exact JSON reads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from kafka import KafkaConsumer, TopicPartition

from services.bootstrap import load_codec
from services.common import topics
from services.common.envelope import Envelope
from services.common.gst.gstin import check_character
from services.common.settings import EVENTS_TOPIC, Settings
from tests.support.processes import wait_until

_CODEC = load_codec()


def gstin(state: str, pan: str, entity: str = "1") -> str:
    """A checksum-valid GSTIN: state code + PAN + entity code + Z + check character."""
    first14 = f"{state}{pan}{entity}Z"
    return first14 + check_character(first14)


def d(text: str) -> Decimal:
    return Decimal(text)


def item(rate: str | int, txval: str, iamt: str = "0", camt: str = "0", samt: str = "0", num: int = 1) -> dict:
    return {
        "num": num,
        "itm_det": {
            "rt": d(str(rate)),
            "txval": d(txval),
            "iamt": d(iamt),
            "camt": d(camt),
            "samt": d(samt),
            "csamt": 0,
        },
    }


def invoice(inum: str, idt: str, val: str, pos: str, *items: dict, rchrg: str = "N", **extra: Any) -> dict:
    return {
        "inum": inum,
        "idt": idt,
        "val": d(val),
        "pos": pos,
        "rchrg": rchrg,
        "inv_typ": "R",
        "itms": list(items),
        **extra,
    }


def inter_state(inum: str, idt: str, pos: str, txval: str = "10000.00", **extra: Any) -> dict:
    """An inter-state invoice at 18% IGST: val = txval x 1.18."""
    tax = (d(txval) * d("0.18")).quantize(d("0.01"))
    return invoice(inum, idt, str(d(txval) + tax), pos, item(18, txval, iamt=str(tax)), **extra)


def gstr1(filer: str, fp: str, **tables: Any) -> dict:
    return {"gstin": filer, "fp": fp, **tables}


def b2b(ctin: str, *invoices: dict) -> dict:
    return {"ctin": ctin, "inv": list(invoices)}


def exact_json(response: httpx.Response) -> Any:
    """A response body with decimals kept exact."""
    return json.loads(response.text, parse_float=Decimal)


@dataclass(frozen=True)
class Event:
    partition: int
    offset: int
    key: str
    envelope: Envelope
    record: dict[str, Any]


def read_log(engine: Any) -> list[Event]:
    """Every event of the durable log, in log order, decoded (offset: the log's sequence number)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = conn.execute(text("SELECT seq, msg_key, headers, payload FROM event_log ORDER BY seq")).all()
    return [
        Event(
            -1,
            seq,
            key,
            Envelope.from_headers([(k, v.encode()) for k, v in headers]),
            _CODEC.decode_record(bytes(payload))[1],
        )
        for seq, key, headers, payload in rows
    ]


def logged_events(live_stack: Any) -> int:
    """How many events the durable log holds (a refused request adds none)."""
    return int(live_stack.scalar("SELECT count(*) FROM event_log"))


def read_events(stack: Any) -> list[Event]:
    """Every event on the namespaced events topic once the relay published the log, read from the
    beginning, decoded."""
    stack.wait_relayed()
    settings: Settings = stack.settings
    topic = settings.topic(EVENTS_TOPIC)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap,
        isolation_level="read_committed",
        enable_auto_commit=False,
        group_id=None,
    )
    try:
        parts = [TopicPartition(topic, p) for p in range(settings.partitions)]
        consumer.assign(parts)
        ends = topics.end_offsets(settings.kafka_bootstrap or "", parts)
        consumer.seek_to_beginning(*parts)
        found: list[Event] = []

        def drained() -> bool:
            for tp, messages in consumer.poll(200).items():
                for m in messages:
                    _, record = _CODEC.decode_record(m.value)
                    envelope = Envelope.from_headers(m.headers)
                    found.append(Event(tp.partition, m.offset, m.key.decode(), envelope, record))
            return all(consumer.position(tp) >= end for tp, end in ends.items())

        wait_until(drained, timeout=30, interval=0, what="events topic read to its end")
        return sorted(found, key=lambda e: (e.partition, e.offset))
    finally:
        consumer.close()


def events_of(stack: Any, reference_id: str) -> list[Event]:
    return [e for e in read_events(stack) if e.record.get("reference_id") == reference_id]


def raw_return_count(stack: Any) -> int:
    return int(stack.scalar("SELECT count(*) FROM raw_returns"))


def documents(stack: Any, rtin: str, section: str | None = None) -> list[dict[str, Any]]:
    """GETINV records of a recipient (one section, or all), exact decimals."""
    params = {"section": section} if section else {}
    response = stack.http.get(f"/v1/ims/{rtin}/documents", params=params)
    assert response.status_code == 200, response.text
    invdata = exact_json(response)
    return [record for records in invdata.values() for record in records]


def counts(stack: Any, rtin: str) -> dict[str, Any]:
    response = stack.http.get(f"/v1/ims/{rtin}/counts")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def history(stack: Any, rtin: str, doc_id: str) -> list[dict[str, Any]]:
    response = stack.http.get(f"/v1/ims/{rtin}/documents/{doc_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["events"]  # type: ignore[no-any-return]


def party(state: str, tag: str, n: int = 1, entity: str = "1") -> str:
    """A distinct valid GSTIN per test: ``tag`` is two letters, ``n`` up to four digits."""
    return gstin(state, f"AAC{tag}{n:04d}X", entity)


def document_number(record: dict[str, Any]) -> str:
    number = record.get("inum") or record.get("nt_num") or record.get("boenum")
    assert isinstance(number, str), f"a document record without its number: {record}"
    return number


def by_number(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {document_number(r): r for r in records}


HEX64 = re.compile(r"[0-9a-f]{64}")
FILED_11 = "/v1/returns/gstr1?status=filed&filed_on=2025-11-11"
FILED_12 = "/v1/returns/gstr1?status=filed&filed_on=2025-11-12"
SAVED = "/v1/returns/gstr1?status=saved"
ZERO = {"noaction": 0, "accept": 0, "reject": 0, "pending": 0}


def ok(stack, path: str, body, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    response = stack.post(path, body, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def accepted(answer: dict, count: int) -> None:
    assert answer["status_cd"] == "P", answer
    assert (answer["proc_cnt"], answer["err_cnt"], answer["error_report"]) == (count, 0, {})
    assert re.fullmatch(r"[0-9a-f]{32}", answer["reference_id"])


def act(stack, rtin: str, section: str, record: dict, action: str) -> dict:  # type: ignore[no-untyped-def]
    """SAVE one action on a GETINV record (identified by stin + number + date, with its hash)."""
    ident = {k: record[k] for k in ("stin", "inum", "idt", "nt_num", "nt_dt", "boenum", "boedt") if k in record}
    body = {
        "rtin": rtin,
        "reqtyp": "SAVE",
        "invdata": {section: [{**ident, "hash": record["hash"], "action": action}]},
    }
    response = stack.post(f"/v1/ims/{rtin}/actions", body)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def section_counts(stack, rtin: str, group: str = "all_oth") -> dict:  # type: ignore[no-untyped-def]
    found = counts(stack, rtin)[group]
    return {k: v for k, v in found.items() if k != "ttl_cnt" and v != ZERO}
